// Tokens end to end: `rnr run --token/--viewer-token`, client verbs with --token or RNR_TOKEN,
// a viewer token that may watch but not act, and a state directory another run holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RnrProcess, rnr, spawnRnr, startRun } from './harness.js';

let server: { run: RnrProcess; url: string; dir: string };
beforeAll(async () => {
  server = await startRun('cli-forever.ts', ['--token', 'op-secret', '--viewer-token', 'view-secret']);
});
afterAll(async () => {
  if (server.run.proc.exitCode === null) server.run.proc.kill('SIGKILL');
});

it('without a token: exit 1, says to pass --token', async () => {
  const exit = await rnr(['ls', '--server', server.url]);
  expect(exit.code).toBe(1);
  expect(exit.stderr).toMatch(/^rnr: .*pass --token or set RNR_TOKEN\)\n$/);
});

it('a second rnr run on the same state directory: exit 2, names --state-dir', async () => {
  const exit = await rnr(['run', 'test/fixtures/cli-forever.ts', '--port', '0', '--state-dir', server.dir]);
  expect(exit.code).toBe(2);
  expect(exit.stderr).toMatch(/^rnr: .*another rnr run is using --state-dir .* pass another --state-dir\n$/);
});

it('a POST without a token is refused 401 (and audited)', async () => {
  const res = await fetch(`${server.url}/api/v1/jobs/forever/tasks/forever/skip`, {
    method: 'POST',
    headers: { 'x-rnr-actor': 'mallory' },
  });
  expect(res.status).toBe(401);
});

it('a viewer token may watch but not act; the operator token (RNR_TOKEN) acts', async () => {
  const watch = spawnRnr(['watch', 'forever', '--server', server.url, '--token', 'view-secret']);
  await watch.waitFor(/watching job forever/);
  const denied = await rnr(['skip', 'forever', 'forever', '--server', server.url, '--token', 'view-secret']);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toMatch(/operator token/);

  const done = await rnr(['set', 'forever', 'forever', 'SUCCESS', '--server', server.url], {
    RNR_TOKEN: 'op-secret',
  });
  expect(done.code).toBe(0);
  const watched = await watch.exited;
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(/forever +RUNNING → SUCCESS .*\[state by /);
  expect((await server.run.exited).code).toBe(0);
});

it('rnr run writes an audit line per operator action, accepted or refused, to <state-dir>/audit.jsonl', () => {
  const lines = readFileSync(join(server.dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((l) => [l.op, l.actor, l.role, l.status, l.code])).toEqual([
    ['skip', 'mallory', 'none', 401, 'RNR_ERR_UNAUTHORIZED'],
    ['skip', expect.any(String), 'viewer', 403, 'RNR_ERR_FORBIDDEN'],
    ['state', expect.any(String), 'operator', 200, undefined],
  ]);
});

import { describe, expect, it } from 'vitest';
import { rnr, spawnRnr, stateDir } from './harness.js';

const gated = 'test/fixtures/cli-gated-workflow.ts';
const demo = 'test/fixtures/cli-workflow.ts';

async function serving(args: string[]) {
  const proc = spawnRnr(args);
  const [, url] = await proc.waitFor(/serving .* at (http:\/\/\S+)/, 'stderr');
  return { proc, url: url as string };
}

describe('rnr run of a workflow', () => {
  it('starts a new run each time the last one has ended, and says so on stderr', async () => {
    const dir = stateDir();
    const first = await rnr([
      'run',
      demo,
      '--port',
      '0',
      '--quiet',
      '--state-dir',
      dir,
      '--input',
      'version=1.2',
    ]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^rnr: started run demo-1$/m);
    const second = await rnr([
      'run',
      demo,
      '--port',
      '0',
      '--json',
      '--state-dir',
      dir,
      '--input-json',
      '{"version":"2"}',
    ]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^rnr: started run demo-2$/m);
  });

  it('resumes the unfinished run; refuses other input naming --new; --new is held to concurrency', async () => {
    const dir = stateDir();
    const first = await serving([
      'run',
      gated,
      '--port',
      '0',
      '--quiet',
      '--state-dir',
      dir,
      '--input',
      'version=1.0.0',
    ]);
    expect(first.proc.stderr()).toMatch(/started run gated-1/);
    // rnr run serves one run: starting another over its API is for rnr serve.
    const res = await fetch(`${first.url}/api/v1/workflows/gated/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input":{"version":"2.0.0"}}',
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/rnr serve/);
    first.proc.proc.kill('SIGINT');
    expect((await first.proc.exited).code).toBe(130);

    const differs = await rnr([
      'run',
      gated,
      '--port',
      '0',
      '--quiet',
      '--state-dir',
      dir,
      '--input',
      'version=2.0.0',
    ]);
    expect(differs.code).toBe(2);
    expect(differs.stderr).toMatch(/run gated-1 of workflow gated is unfinished .* pass --new/);

    const over = await rnr([
      'run',
      gated,
      '--port',
      '0',
      '--quiet',
      '--state-dir',
      dir,
      '--new',
      '--input',
      'version=2.0.0',
    ]);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/gated-1/);

    const again = await serving(['run', gated, '--port', '0', '--quiet', '--state-dir', dir]);
    expect(again.proc.stderr()).toMatch(/resumed run gated-1 from seq \d+/);
    again.proc.proc.kill('SIGTERM');
    expect((await again.proc.exited).code).toBe(143);
  });

  it('refuses --new and --input for an older Job export, and both store flags at once, with exit 2', async () => {
    const dir = stateDir();
    const fresh = await rnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--new',
    ]);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/--new: .* exports a Job .* workflow\(/);
    const input = await rnr([
      'run',
      'test/fixtures/cli-quick.ts',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--input',
      'a=1',
    ]);
    expect(input.code).toBe(2);
    const both = await rnr(['run', demo, '--store', `sqlite:${dir}/x.db`, '--state-dir', dir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--store and --state-dir/);
    const badInput = await rnr(['run', demo, '--port', '0', '--state-dir', dir, '--input', 'n=many']);
    expect(badInput.code).toBe(2);
  });
});

describe('rnr serve and the run verbs', () => {
  it('serves workflows; start, ls, workflows and cancel act on runs; exits 0 on SIGTERM', async () => {
    const dir = stateDir();
    const server = await serving([
      'serve',
      gated,
      demo,
      '--port',
      '0',
      '--state-dir',
      dir,
      '--start',
      'gated',
      '--input',
      'version=1.0.0',
    ]);
    const s = ['--server', server.url, '--as', 'alice'];
    expect(server.proc.stderr()).toMatch(/started run gated-1/);

    const workflows = await rnr(['workflows', ...s]);
    expect(workflows.stdout).toMatch(/gated\s+version\s+1\s+-\s+waits at a gate/);

    const refused = await rnr(['start', 'gated', '--input', 'version=2.0.0', ...s]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/gated-1/);

    const invalid = await rnr(['start', 'demo', '--input', 'n=1', ...s]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/invalid input for workflow demo: version: /);

    const followed = await rnr(['start', 'demo', '--input', 'version=3', '--follow', ...s]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^demo-1$/m);

    const cancelled = await rnr(['cancel', 'gated-1', '--reason', 'superseded', ...s]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/gated-1: cancelled by alice/);

    const started = await rnr(['start', 'gated', '--input', 'version=2.0.0', ...s]);
    expect(started.code).toBe(0);
    expect(started.stdout.trim()).toBe('gated-2');

    const unfinished = await rnr(['ls', ...s]);
    expect(unfinished.stdout).toMatch(/gated-2/);
    expect(unfinished.stdout).not.toMatch(/gated-1/);
    const all = await rnr(['ls', '--all', ...s]);
    const order = [...all.stdout.matchAll(/^(\S+-\d+)\s/gm)].map((m) => m[1]);
    expect(order).toEqual(['gated-2', 'demo-1', 'gated-1']);
    expect((await rnr(['ls', '--all', '--workflow', 'demo', '-o', 'json', ...s])).stdout).toMatch(
      /"id": "demo-1"/,
    );

    server.proc.proc.kill('SIGTERM');
    const exit = await server.proc.exited;
    expect(exit.code).toBe(0);

    // Started again on the same store, the unfinished run resumes.
    const again = await serving(['serve', gated, '--port', '0', '--state-dir', dir]);
    expect(again.proc.stderr()).toMatch(/resumed run gated-2 from seq \d+/);
    again.proc.proc.kill('SIGINT');
    expect((await again.proc.exited).code).toBe(0);
  });

  it('refuses two workflows of one name, and a file that exports no workflow, with exit 2', async () => {
    const dup = await rnr([
      'serve',
      demo,
      'test/fixtures/cli-workflow-dup.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(
      /two workflows are named "demo": in .*cli-workflow\.ts and in .*cli-workflow-dup\.ts/,
    );
    const legacy = await rnr([
      'serve',
      'test/fixtures/cli-quick.ts',
      '--port',
      '0',
      '--state-dir',
      stateDir(),
    ]);
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toMatch(/not a workflow/);
  });
});

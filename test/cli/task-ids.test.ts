// Task ids on the command line: relative to the job's root, and a did-you-mean for a typo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RnrProcess, rnr, startRun } from './harness.js';

describe('task ids on the command line', () => {
  let server: { run: RnrProcess; url: string };
  beforeAll(async () => {
    server = await startRun('cli-ops.ts');
    await server.run.waitFor(/ops\/gate +RUNNING → ACTION_PENDING/);
  });
  afterAll(async () => {
    server.run.proc.kill('SIGINT');
    await server.run.exited;
  });

  it('reads an id relative to the job root', async () => {
    const get = await rnr(['get', 'ops', 'fleet', '-o', 'json', '--server', server.url]);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout).id).toBe('ops/fleet');
    const pause = await rnr(['pause', 'ops', 'fleet/a', '--server', server.url, '--as', 'ana']);
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toMatch(/^ops\/fleet\/a: paused by ana/);
  });

  it('names the nearest ids for a typo', async () => {
    const exit = await rnr(['get', 'ops', 'ops/fleat', '--server', server.url]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe('rnr: job ops has no task ops/fleat; did you mean ops/fleet?\n');
    const approve = await rnr(['approve', 'ops', 'gat', '--server', server.url]);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/job ops has no task gat; did you mean ops\/gate/);
  });

  it('names the nearest job ids for an unknown job', async () => {
    const exit = await rnr(['get', 'opps', '--server', server.url]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/has no job opps; did you mean ops\?/);
  });
});

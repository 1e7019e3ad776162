// Every client verb against a real `rnr run` server: ls, get, inbox, set, retry, skip, approve,
// pause, resume, parallelism and watch, with actor and reason recorded on the events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RnrProcess, rnr, spawnRnr, startRun } from './harness.js';

describe('client verbs against a real server', () => {
  let server: { run: RnrProcess; url: string };
  let watch: RnrProcess;
  const verb = (...args: string[]) => rnr([...args, '--server', server.url, '--as', 'alice']);
  const taskJson = async (id: string) => JSON.parse((await verb('get', 'ops', id, '-o', 'json')).stdout);

  beforeAll(async () => {
    server = await startRun('cli-ops.ts');
    await server.run.waitFor(/ops\/gate +RUNNING → ACTION_PENDING/);
    await server.run.waitFor(/ops\/flaky +RUNNING → FAILED/);
    watch = spawnRnr(['watch', 'ops', '--server', server.url]);
    await watch.waitFor(/watching job ops/);
  });
  afterAll(async () => {
    for (const p of [server.run, watch]) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  });

  it('ls lists the job with its progress', async () => {
    const exit = await verb('ls');
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^RUN +STATE +DONE +RUNNING +WAITING +FAILED +AGE +TRIGGER +BY +OWNER$/m);
    expect(exit.stdout).toMatch(/^ops +▶ RUNNING +\d+\/9 +\d+ +1 +1 +\S+/m);
    // The one process owns its run (SQLite: this process, GET /cluster's only one).
    expect(exit.stdout).toMatch(/^ops .* pid \d+@\S+ \(epoch \d+\)$/m);
    const json = JSON.parse((await verb('ls', '-o', 'json')).stdout);
    expect(json.jobs[0]).toMatchObject({ id: 'ops', state: 'RUNNING' });
  });

  it('get prints the tree, and one task as JSON (ids with / are URL-encoded)', async () => {
    const tree = await verb('get', 'ops');
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/^▶ ops +RUNNING/m);
    expect(tree.stdout).toMatch(/^├─ ◆ ops\/gate +ACTION_PENDING +.*waiting for a human$/m);
    expect(tree.stdout).toMatch(/^ {3}└─ . ops\/fleet\/c /m);
    expect(await taskJson('ops/flaky')).toMatchObject({
      id: 'ops/flaky',
      state: 'FAILED',
      message: 'disk full',
    });
  });

  it('inbox shows what waits for a human, with the command to run', async () => {
    const exit = await verb('inbox');
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/◆ ACTION_PENDING +ops +ops\/gate .*rnr approve ops ops\/gate --server http/);
    expect(exit.stdout).toMatch(/✗ FAILED +ops +ops\/flaky .*disk full.*rnr retry ops ops\/flaky/);
  });

  it('retry, set, skip, pause, resume and parallelism change the task and record who and why', async () => {
    const retry = await verb('retry', 'ops', 'ops/flaky', '--reason', 'disk cleaned');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/^ops\/flaky: retried by alice → · PENDING, attempt 1$/m);
    await server.run.waitFor(/ops\/flaky +RUNNING → SUCCESS/);

    expect((await verb('set', 'ops', 'ops/spare', 'success', '-m', 'done by hand')).stdout).toMatch(
      /^ops\/spare: set by alice → ✓ SUCCESS$/m,
    );
    expect(await taskJson('ops/spare')).toMatchObject({ state: 'SUCCESS', message: 'done by hand' });
    expect((await verb('skip', 'ops', 'ops/extra')).stdout).toMatch(
      /^ops\/extra: skipped by alice → ⊘ SKIPPED$/m,
    );

    expect((await verb('pause', 'ops', 'ops/fleet')).stdout).toMatch(
      /^ops\/fleet: paused by alice → .* \(paused\)$/m,
    );
    expect((await taskJson('ops/fleet')).paused).toBe(true);
    expect((await verb('parallelism', 'ops', 'ops/fleet', '3', '--reason', 'faster')).stdout).toMatch(
      /parallelism set to 3/,
    );
    expect((await taskJson('ops/fleet')).parallelism).toBe(3);
    expect((await verb('resume', 'ops', 'ops/fleet')).code).toBe(0);
    expect((await taskJson('ops/fleet')).paused ?? false).toBe(false);
    expect(server.run.stdout()).toMatch(/ops\/flaky .*\[retry by alice: disk cleaned\]/);
  });

  it('approve releases the gate; the job ends, rnr run exits 0 and watch exits 0 having seen every event', async () => {
    const approve = await verb('approve', 'ops', 'ops/gate', '--reason', 'dashboards green');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toMatch(/^ops\/gate: approved by alice → ▶ RUNNING$/m);
    const run = await server.run.exited;
    expect(run.code).toBe(0);
    const watched = await watch.exited;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(
      /ops\/gate +ACTION_PENDING → RUNNING .*\[approve by alice: dashboards green\]/,
    );
    expect(watched.stdout).toMatch(/job ops ended SUCCESS/);
    const seqs = [...watched.stdout.matchAll(/ #(\d+) /g)].map((m) => Number(m[1]));
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
  });
});

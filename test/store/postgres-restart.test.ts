/**
 * PostgreSQL crashes and restarts (`pg_ctl restart -m immediate`) under a running job on
 * postgresStore: the job halts or rides it out, keeps serving reads, recovers by itself, and nothing
 * it acknowledged or published is lost.
 */
import { callbackTask, createJob, isDone, nestedTask, type TaskEvent, TaskState } from 'rnr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../../src/store/postgres/index.js';
import { type PostgresServer, startPostgres } from '../fixtures/postgres/index.js';

/** Waits (real time, bounded) until `check` holds. */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('postgresStore across a crash of PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.close());

  it('a running job halts or rides it out, serves reads, recovers, and loses nothing acknowledged', async () => {
    const db = await server.createDatabase({ label: 'restart' });
    const store = postgresStore(db.url, { connectionTimeoutMillis: 1000 });
    let finish = false;
    let polls = 0;
    // Every poll changes its task's message: commits are in flight whenever the server goes down.
    const children = Array.from({ length: 12 }, (_, i) =>
      callbackTask({
        id: `vm-${i}`,
        name: `vm-${i}`,
        poll: () => (finish ? true : { message: `poll ${++polls}` }),
      }),
    );
    const root = nestedTask({ id: 'fleet', name: 'fleet', parallelism: 12, children });
    const job = createJob({ id: 'restart', name: 'restart', root, store, pollIntervalMs: 20 });
    const published: TaskEvent[] = [];
    job.subscribe((e) => published.push(e));
    void job.start();
    await until('the job to run', () => polls > 24);
    const acked = await job.pause('vm-3', { actor: 'alice', reason: 'before the crash' });
    expect(acked.paused).toBe(true);

    await server.restart({ mode: 'immediate' });
    // Whatever the job went through meanwhile, it answers reads from memory.
    expect(job.getTask('vm-3')).toMatchObject({ paused: true });
    const afterRestart = polls;
    await until('the job to poll again', () => polls > afterRestart + 24 && job.halted === undefined);
    const resumed = await job.resume('vm-3', { actor: 'alice', reason: 'after the crash' });
    expect(resumed.paused).toBe(false);
    finish = true;
    await until('the job to finish', () => isDone(job.summary().state));
    expect(job.summary().state).toBe(TaskState.SUCCESS);
    await job.close();

    const events = await store.events('restart', 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Published only once stored, exactly as stored.
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    for (const e of published) expect(bySeq.get(e.seq)).toEqual(e);
    expect(events.filter((e) => e.taskId === 'vm-3' && e.action === 'pause')).toHaveLength(1);
    expect(events.filter((e) => e.taskId === 'vm-3' && e.action === 'resume')).toHaveLength(1);
    const stored = await store.loadRun('restart');
    expect(stored?.run.state).toBe(TaskState.SUCCESS);
    await store.close();
  }, 60_000);
});

/**
 * Group commit on a real PostgreSQL: the batches of many runs committed at once by one store
 * instance go in a few statements (observed through the transaction ids of the rows written), each
 * still behind its own fence, and a run the server or the fence refuses fails alone.
 */
import pg from 'pg';
import type { CommitBatch, OpenedRun } from 'rnr';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from '../../src/store/postgres/index.js';
import { createDatabase, type TestDatabase } from '../fixtures/postgres/index.js';
import { runRecord, taskEvent, taskRecord } from '../fixtures/store-helpers.js';

const open: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sql<R extends object = Record<string, unknown>>(db: TestDatabase, text: string) {
  const client = new pg.Client(db.superuserUrl);
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** A first batch for an opened run: its root task RUNNING, one event. */
function firstBatch(id: string, opened: OpenedRun, attempt = 1): CommitBatch {
  return {
    run: runRecord(id, 1),
    tasks: [taskRecord(id, { attempt })],
    events: [taskEvent(id, 1, { taskId: id })],
    ...(opened.fence && { fence: opened.fence }),
  };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `run-${String(i).padStart(2, '0')}`);

describe('postgresStore: group commit', () => {
  it('commits 40 runs sent at once in 3 transactions, every batch whole', async () => {
    const db = await createDatabase({ label: 'group' });
    const store = postgresStore(db.url);
    open.push(store);
    const runs = ids(40);
    const opened = await Promise.all(runs.map((id) => store.openRun(runRecord(id))));
    // Two statements go out at once; the 38 batches that come while they are out go together.
    await Promise.all(runs.map((id, i) => store.commit(firstBatch(id, opened[i] as OpenedRun))));
    for (const id of runs) {
      expect((await store.events(id, 0)).map((e) => [e.seq, e.taskId])).toEqual([[1, id]]);
      expect((await store.loadRun(id))?.tasks.map((t) => t.id)).toEqual([id]);
    }
    const [row] = await sql<{ n: number }>(
      db,
      `SELECT count(DISTINCT xmin::text)::int AS n FROM rnr.events WHERE run_id LIKE 'run-%'`,
    );
    expect(row?.n).toBe(3);
  });

  it('fails only the run whose fence is stale: the others in the statement are written', async () => {
    const db = await createDatabase({ label: 'group_fence' });
    const store = postgresStore(db.url);
    const other = postgresStore(db.url, { takeOver: true });
    open.push(store, other);
    const runs = ids(6);
    const opened = await Promise.all(runs.map((id) => store.openRun(runRecord(id))));
    await other.openRun(runRecord('run-03')); // another process took run-03 over: a new epoch
    const results = await Promise.allSettled(
      runs.map((id, i) => store.commit(firstBatch(id, opened[i] as OpenedRun))),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'RNR_ERR_LEASE_LOST' });
    expect(await store.events('run-03', 0)).toEqual([]);
    for (const id of runs.filter((r) => r !== 'run-03')) expect(await store.events(id, 0)).toHaveLength(1);
  });

  it('fails only the run whose rows the server refuses, naming it; the others are written', async () => {
    const db = await createDatabase({ label: 'group_refused' });
    const store = postgresStore(db.url);
    open.push(store);
    const runs = ids(8);
    const opened = await Promise.all(runs.map((id) => store.openRun(runRecord(id))));
    // An attempt past PostgreSQL's integer: the statement that carries it fails as a whole.
    const results = await Promise.allSettled(
      runs.map((id, i) =>
        store.commit(firstBatch(id, opened[i] as OpenedRun, id === 'run-05' ? 2 ** 40 : 1)),
      ),
    );
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[runs[i], r.reason]] : []));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.[0]).toBe('run-05');
    expect(String((failed[0]?.[1] as Error | undefined)?.message)).toMatch(/job "run-05".*out of range/);
    expect(await store.events('run-05', 0)).toEqual([]);
    for (const id of runs.filter((r) => r !== 'run-05')) expect(await store.events(id, 0)).toHaveLength(1);
  });

  it('never lets a stale commit share a statement with a newer one of the same run', async () => {
    const db = await createDatabase({ label: 'group_same_run' });
    const store = postgresStore(db.url);
    open.push(store);
    const fillers = ids(2);
    const filled = await Promise.all(fillers.map((id) => store.openRun(runRecord(id))));
    const stale = await store.openRun(runRecord('job-a'));
    // The job was dropped (its lease lapsed) and the run taken again by this process: epoch 2.
    await store.releaseRun('job-a');
    const fresh = await store.openRun(runRecord('job-a'));
    expect(fresh.fence?.epoch).toBe((stale.fence?.epoch ?? 0) + 1);
    const tasksOnly = (opened: OpenedRun, task: string): CommitBatch => ({
      run: runRecord('job-a', 0),
      tasks: [taskRecord(task, { message: task })],
      events: [],
      ...(opened.fence && { fence: opened.fence }),
    });
    // The fillers hold both statement slots; the two commits of job-a wait together behind them.
    const results = await Promise.allSettled([
      ...fillers.map((id, i) => store.commit(firstBatch(id, filled[i] as OpenedRun))),
      store.commit(tasksOnly(stale, 'job-a/stale')),
      store.commit(tasksOnly(fresh, 'job-a')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'RNR_ERR_LEASE_LOST' });
    expect((await store.loadRun('job-a'))?.tasks.map((t) => t.id)).toEqual(['job-a']);
  });
});

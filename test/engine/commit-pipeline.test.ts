import {
  type CommitBatch,
  callbackTask,
  createJob,
  memoryStore,
  nestedTask,
  type Store,
  type TaskEvent,
  TaskState,
} from 'rnr';
import { describe, expect, it } from 'vitest';

/** A store whose commits wait until the test lets them through, one by one. */
function gatedStore(): { store: Store; batches: CommitBatch[]; open: () => void; waiting: () => number } {
  const inner = memoryStore();
  const batches: CommitBatch[] = [];
  const gates: Array<() => void> = [];
  const store: Store = {
    ...inner,
    description: 'gated',
    openRun: (run) => inner.openRun(run),
    async commit(batch) {
      batches.push(batch);
      await new Promise<void>((resolve) => gates.push(resolve));
      await inner.commit(batch);
    },
    events: (id, since, limit) => inner.events(id, since, limit),
    loadRun: (id) => inner.loadRun(id),
  };
  return {
    store,
    batches,
    open: () => gates.shift()?.(),
    waiting: () => gates.length,
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the commit pipeline', () => {
  it('keeps one commit in flight; changes made meanwhile go in one next batch; publishes only what is durable', async () => {
    const gated = gatedStore();
    const job = createJob({
      id: 'p',
      name: 'p',
      store: gated.store,
      root: nestedTask({
        id: 'r',
        name: 'r',
        parallelism: 3,
        children: ['a', 'b', 'c'].map((id) => callbackTask({ id, name: id, poll: () => undefined })),
      }),
    });
    await job.load();
    const heard: TaskEvent[] = [];
    job.subscribe((e) => heard.push(e));

    const tick = job.tick();
    await flush();
    expect(gated.waiting()).toBe(1); // the tick's batch is in flight
    const first = gated.batches[0] as CommitBatch;
    expect(first.events.map((e) => e.taskId)).toEqual(['r', 'a', 'b', 'c']);
    expect(first.run).toMatchObject({ id: 'p', seq: 4, state: TaskState.RUNNING, total: 4 });
    expect(heard).toEqual([]);

    // Two operator actions while it is in flight: applied in memory at once, committed together next.
    const paused = job.pause('a', { actor: 'ana' });
    const skipped = job.skip('b', { actor: 'ana' });
    expect(job.getTask('a').paused).toBe(true);
    expect(job.getTask('b').state).toBe(TaskState.SKIPPED);
    let acked = false;
    void Promise.all([paused, skipped]).then(() => {
      acked = true;
    });
    await flush();
    expect(gated.waiting()).toBe(1);
    expect(gated.batches).toHaveLength(1);

    gated.open(); // the first batch is durable: published; the next batch starts
    await flush();
    expect(heard.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(acked).toBe(false);
    expect(gated.batches).toHaveLength(2);
    expect((gated.batches[1] as CommitBatch).events.map((e) => [e.taskId, e.action])).toEqual([
      ['a', 'pause'],
      ['b', 'skip'],
    ]);

    gated.open();
    await tick;
    await flush();
    expect(acked).toBe(true);
    expect(heard.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await paused).paused).toBe(true);
    expect(await job.events()).toEqual(heard);
    await job.close();
  });

  it('resolves tick() once what its polls changed is durable', async () => {
    const gated = gatedStore();
    const job = createJob({
      id: 't',
      name: 't',
      store: gated.store,
      root: callbackTask({ id: 'leaf', name: 'leaf', poll: async () => true }),
    });
    await job.load();
    let ticked = false;
    const tick = job.tick().then(() => {
      ticked = true;
    });
    await flush();
    gated.open(); // the start
    await flush();
    expect(ticked).toBe(false); // the async poll's SUCCESS is in the next batch, not durable yet
    expect(gated.waiting()).toBe(1);
    gated.open();
    await tick;
    expect(job.getTask('leaf').state).toBe(TaskState.SUCCESS);
    expect((await job.events()).at(-1)).toMatchObject({ taskId: 'leaf', to: TaskState.SUCCESS });
    await job.close();
  });
});

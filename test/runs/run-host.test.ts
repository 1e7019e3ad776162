import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  callbackTask,
  isRnrError,
  memoryStore,
  nestedTask,
  RunTrigger,
  type Task,
  TaskState,
  workflow,
} from '../../src/index.js';
import { createRunHost } from '../../src/runs/index.js';
import { TestClock } from '../../src/testing/index.js';

const gate = callbackTask({
  name: 'gate',
  poll: ({ approval }) => (approval ? true : 'ACTION_PENDING'),
});

const upgrade = workflow({
  name: 'upgrade',
  input: z.object({ version: z.string() }),
  concurrency: 1,
  keepRuns: 2,
  build: ({ version }) =>
    nestedTask({
      name: `upgrade to ${version}`,
      children: [gate, callbackTask({ name: 'vm', poll: () => true })],
    }),
});

function setup(options: { keepFinished?: boolean } = {}) {
  const store = memoryStore();
  const clock = new TestClock();
  const lines: string[] = [];
  const host = createRunHost({ workflows: [upgrade], store, clock, log: (l) => lines.push(l), ...options });
  return { store, clock, host, lines };
}

const leaf = (name: string) => callbackTask({ name, poll: () => true });

const reject = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRnrError(err)) throw new Error(`expected an RnrError, got ${String(err)}`);
  return err;
};

describe('run host', () => {
  it('starts numbered runs with validated input, trigger and startedBy', async () => {
    const { host } = setup();
    const { summary, created } = await host.start('upgrade', {
      input: { version: '1.6.0' },
      startedBy: 'alice',
    });
    expect(created).toBe(true);
    expect(summary).toMatchObject({
      id: 'upgrade-1',
      workflow: 'upgrade',
      run: 1,
      input: { version: '1.6.0' },
      trigger: RunTrigger.API,
      startedBy: 'alice',
    });
    expect(host.live('upgrade-1')).toBeDefined();
    await host.close();
  });

  it('refuses bad input, an unknown workflow and a start over concurrency, starting nothing', async () => {
    const { host, store } = setup();
    expect((await reject(host.start('upgrade', { input: { version: 3 } }))).code).toBe(
      'RNR_ERR_INVALID_INPUT',
    );
    expect((await reject(host.start('nope'))).code).toBe('RNR_ERR_WORKFLOW_UNKNOWN');
    expect((await store.listRuns({})).runs).toEqual([]);
    await host.start('upgrade', { input: { version: '1' } });
    const over = await reject(host.start('upgrade', { input: { version: '2' } }));
    expect(over.code).toBe('RNR_ERR_CONFLICT');
    expect(over.message).toContain('upgrade-1');
    expect((await store.listRuns({})).runs.map((r) => r.id)).toEqual(['upgrade-1']);
    await host.close();
  });

  it('answers the same run for the same idempotency key', async () => {
    const { host } = setup();
    const first = await host.start('upgrade', { input: { version: '1' }, idempotencyKey: 'k1' });
    const again = await host.start('upgrade', { input: { version: '1' }, idempotencyKey: 'k1' });
    expect(again).toMatchObject({ created: false, summary: { id: first.summary.id } });
    await host.close();
  });

  it('cancels a run: every unfinished task SKIPPED with the reason, one operator event each', async () => {
    const { host } = setup();
    const { summary } = await host.start('upgrade', { input: { version: '1' } });
    const job = host.live(summary.id);
    await job?.tick();
    await job?.tick();
    expect(job?.getTask('upgrade-to-1/gate').state).toBe(TaskState.ACTION_PENDING);
    const cancelled = await host.cancel(summary.id, { actor: 'bob', reason: 'wrong version' });
    expect(cancelled.state).toBe(TaskState.SKIPPED);
    const events = await host.events(summary.id, 0);
    const cancels = events.filter((e) => e.action === 'cancel');
    expect(cancels.map((e) => e.taskId)).toEqual(['upgrade-to-1', 'upgrade-to-1/gate', 'upgrade-to-1/vm']);
    expect(cancels.every((e) => e.actor === 'bob' && e.reason === 'wrong version')).toBe(true);
    const task = await host.task(summary.id, 'upgrade-to-1/vm');
    expect(task.message).toBe('cancelled by bob: wrong version');
    // Ended runs leave memory and are read from the store.
    await new Promise((r) => setImmediate(r));
    expect(host.live(summary.id)).toBeUndefined();
    expect((await host.snapshot(summary.id)).root.state).toBe(TaskState.SKIPPED);
    expect((await reject(host.cancel(summary.id))).code).toBe('RNR_ERR_CONFLICT');
    // The next run may start: the cancelled one is finished.
    expect((await host.start('upgrade', { input: { version: '2' } })).summary.id).toBe('upgrade-2');
    await host.close();
  });

  it('lists runs newest first, filtered by state', async () => {
    const { host } = setup();
    const a = await host.start('upgrade', { input: { version: '1' } });
    await host.cancel(a.summary.id);
    await host.start('upgrade', { input: { version: '2' } });
    const all = await host.list({});
    expect(all.jobs.map((j) => j.id)).toEqual(['upgrade-2', 'upgrade-1']);
    expect((await host.list({ states: ['ACTIVE'] })).jobs.map((j) => j.id)).toEqual(['upgrade-2']);
    expect((await host.list({ states: ['DONE'] })).jobs.map((j) => j.id)).toEqual(['upgrade-1']);
    expect((await reject(host.list({ states: ['NOPE'] }))).code).toBe('RNR_ERR_BAD_REQUEST');
    await host.close();
  });

  it('deletes finished runs beyond keepRuns, at most one prune a second per workflow', async () => {
    const { host, store, clock } = setup();
    const ids = async () => (await store.listRuns({})).runs.map((r) => r.id);
    for (const version of ['1', '2', '3', '4']) {
      const { summary } = await host.start('upgrade', { input: { version } });
      await host.cancel(summary.id);
      await new Promise((r) => setImmediate(r));
    }
    // The first end pruned at once (nothing beyond 2); the asks of the next three wait their turn.
    expect(await ids()).toEqual(['upgrade-4', 'upgrade-3', 'upgrade-2', 'upgrade-1']);
    await clock.advance(999);
    expect(await ids()).toHaveLength(4);
    await clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(await ids()).toEqual(['upgrade-4', 'upgrade-3']);
    await host.close();
    expect(clock.pending).toBe(0);
  });

  it('reads a run another host executes with its whole tree: tasks never started come from the definition', async () => {
    const { host, store, clock } = setup();
    await host.start('upgrade', { input: { version: '1' } });
    await host.live('upgrade-1')?.tick(); // the gate waits; vm (parallelism 1) never started
    const ids = (task: Task): string[] => [task.id, ...task.children.flatMap(ids)];
    const live = await host.snapshot('upgrade-1');
    expect(ids(live.root)).toEqual(['upgrade-to-1', 'upgrade-to-1/gate', 'upgrade-to-1/vm']);
    expect((await store.loadRun('upgrade-1'))?.tasks.map((t) => t.id)).not.toContain('upgrade-to-1/vm');

    const reader = createRunHost({ workflows: [upgrade], store, clock, autoStart: false, log: () => {} });
    const read = await reader.snapshot('upgrade-1');
    expect(reader.live('upgrade-1')).toBeUndefined();
    expect(ids(read.root)).toEqual(ids(live.root));
    const states = (task: Task): TaskState[] => [task.state, ...task.children.flatMap(states)];
    expect(states(read.root)).toEqual(states(live.root));
    const vm = await reader.task('upgrade-1', 'upgrade-to-1/vm');
    expect(vm).toMatchObject({ state: TaskState.PENDING, createdAt: read.createdAt });

    // A process without the workflow shows what the store holds.
    const other = workflow({ name: 'other', build: () => callbackTask({ name: 'x', poll: () => true }) });
    const stranger = createRunHost({ workflows: [other], store, clock, autoStart: false, log: () => {} });
    expect(ids((await stranger.snapshot('upgrade-1')).root)).toEqual(['upgrade-to-1', 'upgrade-to-1/gate']);
    await Promise.all([host.close(), reader.close(), stranger.close()]);
  });

  it('builds the tree of a run read from the store once, keeping the last 32 runs read', async () => {
    let builds = 0;
    const counted = workflow({
      name: 'counted',
      build: () => {
        builds++;
        return nestedTask({ name: 'counted', children: [leaf('a'), leaf('b')] });
      },
    });
    const store = memoryStore();
    const clock = new TestClock();
    const starter = createRunHost({ workflows: [counted], store, clock, autoStart: false, log: () => {} });
    for (let i = 0; i < 33; i++) await starter.start('counted');
    await starter.close();
    const reader = createRunHost({ workflows: [counted], store, clock, autoStart: false, log: () => {} });
    builds = 0;
    for (let i = 1; i <= 33; i++) await reader.snapshot(`counted-${i}`);
    expect(builds).toBe(33);
    await reader.snapshot('counted-33');
    await reader.task('counted-2', 'counted/b');
    expect(builds).toBe(33); // kept
    await reader.snapshot('counted-1'); // the least recently read, dropped for the 33rd
    expect(builds).toBe(34);
    await reader.close();
  });

  it('resumes unfinished runs in a new host on the same store', async () => {
    const { host, store, clock } = setup();
    await host.start('upgrade', { input: { version: '1' } });
    await host.live('upgrade-1')?.tick();
    await host.close();
    const again = createRunHost({ workflows: [upgrade], store, clock, log: () => {} });
    const resumed = await again.resumeAll();
    expect(resumed.map((r) => r.id)).toEqual(['upgrade-1']);
    expect(again.live('upgrade-1')?.resumed).toBeDefined();
    await again.close();
  });
});

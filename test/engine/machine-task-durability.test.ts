import { join } from 'node:path';
import { createJob, type Job, machineTask, memoryStore, type Store, sqliteStore, TaskState } from 'rnr';
import { createTestEnvironment, minutes, settle } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, assign, createMachine, fromPromise, setup, spawnChild } from 'xstate';
import { cleanTempDirs, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

/** Counts what ran, so a test can tell a restored actor (nothing re-run) from a fresh one. */
const ran = { entries: 0, work: 0 };

/** cordon (entry) → drain: three polls, counted in context → ask (approval) → done. */
const procedure = setup({
  types: { context: {} as { polls: number } },
  guards: { drained: ({ context }) => context.polls >= 3 },
}).createMachine({
  id: 'procedure',
  initial: 'drain',
  context: { polls: 0 },
  entry: () => void ran.entries++,
  states: {
    drain: {
      meta: { message: 'draining' },
      on: {
        'rnr.poll': [
          { guard: 'drained', target: 'ask' },
          { actions: assign({ polls: ({ context }) => context.polls + 1 }) },
        ],
      },
    },
    ask: { tags: ['action-pending'], meta: { message: 'approve the reboot' }, on: { 'rnr.approve': 'done' } },
    done: { type: 'final' },
  },
});

const stores: Record<string, () => Store> = {
  memoryStore: () => memoryStore(),
  sqliteStore: () => sqliteStore(join(tempDir(), 'rnr.db')),
};

/**
 * A one-task job of `machine` on `store`, with id `durable` so that creating it again resumes it;
 * loaded, so its state is the stored one.
 */
async function open(machine: AnyStateMachine, store: Store, clock?: Job['clock']): Promise<Job> {
  const job = createJob({
    id: 'durable',
    name: 'durable',
    root: machineTask({ id: 'm', name: 'm', machine }),
    store,
    clock,
  });
  await job.load();
  return job;
}

describe.each(Object.keys(stores))('a machine task on %s resumes where it was', (storeName) => {
  it('mid-procedure: same state and context, nothing re-entered', async () => {
    ran.entries = 0;
    const store = (stores[storeName] as () => Store)();
    const first = await open(procedure, store);
    await first.tick();
    await first.tick(); // two polls counted
    await first.close();

    const again = await open(procedure, store);
    expect(again.resumed).toBeDefined();
    expect(again.getTask('m')).toMatchObject({
      state: TaskState.RUNNING,
      message: 'draining',
      machine: { value: '"drain"', status: 'active' },
    });
    await again.tick(); // third poll, from the restored context
    await again.tick();
    expect(again.getTask('m').state).toBe(TaskState.ACTION_PENDING);
    expect(ran.entries).toBe(1);
    await again.close();

    const third = await open(procedure, store);
    expect(third.getTask('m').state).toBe(TaskState.ACTION_PENDING);
    await third.approve('m', { actor: 'alice' });
    expect(third.getTask('m').state).toBe(TaskState.SUCCESS);
    await third.close();
    store.close();
  });
});

describe('a step between ticks', () => {
  it('is committed at once, without an event when neither state nor message changed', async () => {
    let finish: () => void = () => {};
    const stepping = setup({
      actors: { call: fromPromise(() => new Promise<void>((resolve) => (finish = resolve))) },
    }).createMachine({
      initial: 'work',
      states: {
        work: {
          meta: { message: 'working' },
          initial: 'calling',
          states: { calling: { invoke: { src: 'call', onDone: 'waiting' } }, waiting: {} },
        },
      },
    });
    const inner = memoryStore();
    const committed: { value?: unknown }[] = [];
    const store: Store = {
      ...inner,
      async commit(batch) {
        await inner.commit(batch);
        for (const t of batch.tasks)
          if (t.id === 'm') committed.push(t.machineSnapshot as { value?: unknown });
      },
    };
    const job = await open(stepping, store);
    await job.tick();
    const seq = job.seq;
    finish();
    await settle();
    expect(committed.at(-1)?.value).toEqual({ work: 'waiting' });
    expect(job.seq).toBe(seq);
    expect(job.getTask('m')).toMatchObject({ message: 'working', machine: { value: '{"work":"waiting"}' } });
    await job.close();
  });
});

describe('durability limits (docs/machine-tasks.md)', () => {
  it('a promise in flight runs again when the job resumes', async () => {
    ran.work = 0;
    const invoking = setup({
      actors: { reboot: fromPromise(() => new Promise<void>(() => void ran.work++)) },
    }).createMachine({ initial: 'reboot', states: { reboot: { invoke: { src: 'reboot' } } } });
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    const first = await open(invoking, store);
    await first.tick();
    await first.close();
    const again = await open(invoking, store);
    expect(ran.work).toBe(2);
    await again.close();
    store.close();
  });

  it('a delayed transition is not restored: the restored actor waits in its state', async () => {
    const env = createTestEnvironment();
    const waiting = setup({}).createMachine({
      initial: 'cooling',
      states: { cooling: { after: { [minutes(10)]: 'done' } }, done: { type: 'final' } },
    });
    const store = memoryStore();
    const first = await open(waiting, store, env.clock);
    await first.tick();
    await first.close();
    const again = await open(waiting, store, env.clock);
    await env.advance(minutes(30));
    expect(again.getTask('m')).toMatchObject({ state: TaskState.RUNNING, machine: { value: '"cooling"' } });
    await again.close();
  });

  it('a child spawned from inline logic cannot come back from a JSON store: the task FAILED says why', async () => {
    const watch = fromPromise(() => new Promise(() => {}));
    const inline = createMachine({
      initial: 'watch',
      entry: spawnChild(watch, { id: 'watcher' }),
      states: { watch: {} },
    });
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    const first = await open(inline, store);
    await first.tick();
    await first.close();
    const again = await open(inline, store);
    const task = again.getTask('m');
    expect(task.state).toBe(TaskState.FAILED);
    expect(task.message).toContain('"watcher"');
    expect(task.message).toContain('setup({ actors })');
    await again.retry('m');
    await again.tick();
    expect(again.getTask('m').state).toBe(TaskState.RUNNING); // a fresh actor
    await again.close();
    store.close();
  });

  it('inline invoked logic comes back (under the id XState derives from its position)', async () => {
    let calls = 0;
    const inlineInvoke = createMachine({
      initial: 'calling',
      states: {
        calling: { invoke: { src: fromPromise(() => new Promise(() => void calls++)), onDone: 'done' } },
        done: { type: 'final' },
      },
    });
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    const first = await open(inlineInvoke, store);
    await first.tick();
    await first.close();
    const again = await open(inlineInvoke, store);
    expect(again.getTask('m')).toMatchObject({ state: TaskState.RUNNING, machine: { value: '"calling"' } });
    expect(calls).toBe(2); // in flight at the restart: run again
    await again.close();
    store.close();
  });

  it('the same child spawned by name comes back', async () => {
    const named = setup({ actors: { watch: fromPromise(() => new Promise(() => {})) } }).createMachine({
      initial: 'watch',
      entry: spawnChild('watch', { id: 'watcher' }),
      states: { watch: {} },
    });
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    const first = await open(named, store);
    await first.tick();
    await first.close();
    const again = await open(named, store);
    await settle();
    expect(again.getTask('m').state).toBe(TaskState.RUNNING);
    await again.close();
    store.close();
  });

  it('a snapshot the changed machine no longer fits makes the task FAILED, and retry starts afresh', async () => {
    const v1 = setup({}).createMachine({
      id: 'p',
      initial: 'a',
      states: { a: { on: { 'rnr.poll': 'b' } }, b: {} },
    });
    const v2 = setup({}).createMachine({ id: 'p', initial: 'a', states: { a: {} } });
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    const first = await open(v1, store);
    await first.tick();
    await first.close();
    const again = await open(v2, store);
    expect(again.getTask('m').state).toBe(TaskState.FAILED);
    expect(again.getTask('m').message).toMatch(/^cannot restore the machine: .*'b'/);
    await again.retry('m');
    await again.tick();
    expect(again.getTask('m')).toMatchObject({ state: TaskState.RUNNING, machine: { value: '"a"' } });
    await again.close();
    store.close();
  });
});

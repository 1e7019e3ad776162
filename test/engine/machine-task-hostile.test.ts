// biome-ignore-all lint/suspicious/noThenProperty: these tests build thenables on purpose
import { join } from 'node:path';
import {
  callbackTask,
  createJob,
  MAX_MESSAGE_CHARS,
  machineTask,
  nestedTask,
  sqliteStore,
  TaskState,
} from 'rnr';
import { settle } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, assign, createMachine, fromPromise, setup } from 'xstate';
import { failOnEscapes } from '../fixtures/escape-guard.js';
import { circular, errorWithThrowingGetters, hugeString, trapProxy } from '../fixtures/hostile-values.js';
import { cleanTempDirs, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

failOnEscapes({ console: true, settleTicks: 5 });

/** Ticks `bad` next to a callback task twice; the callback task is polled both times. */
async function alongside(bad: AnyStateMachine) {
  let polls = 0;
  const job = createJob({
    name: 'j',
    root: nestedTask({
      id: 'all',
      name: 'all',
      parallelism: 2,
      failFast: false,
      children: [
        machineTask({ id: 'bad', name: 'bad', machine: bad }),
        callbackTask({ id: 'cb', name: 'cb', poll: () => void polls++ }),
      ],
    }),
  });
  await expect(job.tick()).resolves.toBeUndefined();
  await expect(job.tick()).resolves.toBeUndefined();
  await settle();
  expect(polls).toBe(2);
  const task = job.getTask('bad');
  expect(task.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect((await job.events()).at(-1)?.seq).toBe(job.seq);
  return task;
}

/** A machine whose poll runs `action`. */
const onPoll = (action: () => void) =>
  createMachine({
    initial: 'a',
    states: { a: { on: { 'rnr.poll': { target: 'b', actions: action } } }, b: {} },
  });

/** A machine that finishes on the first poll with `output`. */
const finishing = (output: () => unknown) =>
  createMachine({
    initial: 'a',
    states: { a: { on: { 'rnr.poll': 'b' } }, b: { type: 'final' } },
    output,
  });

describe('a machine task whose values fight inspection is FAILED (or shown), never stuck', () => {
  it.each([
    ['a Proxy whose every trap throws', trapProxy, /^an object that cannot be read \(reading it threw: /],
    ['an Error whose getters throw', errorWithThrowingGetters, /^an error that cannot be read/],
    ['a circular object', circular, /^\[object Object\]$/],
  ])('an action that throws %s', async (_name, value, message) => {
    const task = await alongside(
      onPoll(() => {
        throw value();
      }),
    );
    expect(task.state).toBe(TaskState.FAILED);
    expect(task.message).toMatch(message);
  });

  it('an output that throws as it is read', async () => {
    const task = await alongside(finishing(() => trapProxy()));
    expect(task).toMatchObject({
      state: TaskState.FAILED,
      message: 'machine finished with an output that cannot be read: proxy trap get blew up',
    });
  });

  it('an output state that is not JSON', async () => {
    const task = await alongside(finishing(() => ({ state: 10n })));
    expect(task).toMatchObject({
      state: TaskState.FAILED,
      message: 'machine finished with output state 10n: expected SUCCESS, FAILED or SKIPPED',
    });
  });

  it('a meta.message getter that throws: the state path is shown', async () => {
    const meta = {
      get message(): never {
        throw new Error('meta blew up');
      },
    };
    const task = await alongside(
      createMachine({ initial: 'a', states: { a: { meta, on: { 'rnr.poll': 'waiting' } }, waiting: {} } }),
    );
    expect(task).toMatchObject({ state: TaskState.RUNNING, message: 'waiting' });
  });

  it.each([
    [
      'a throwing then',
      () => ({
        then() {
          throw new Error('then blew up');
        },
      }),
    ],
    ['a Proxy whose every trap throws', () => trapProxy()],
  ])('an invoked promise actor that returns %s: the actor fails, the task is FAILED', async (_name, out) => {
    const bad = setup({ actors: { work: fromPromise(() => out() as Promise<unknown>) } }).createMachine({
      initial: 'a',
      states: { a: { invoke: { src: 'work', onDone: 'b' } }, b: {} },
    });
    const task = await alongside(bad);
    expect(task.state).toBe(TaskState.FAILED);
    expect(task.message).toMatch(/blew up/);
  });
});

describe('machine task messages are capped', () => {
  const marker = /… \[truncated [\d,]+ chars\]$/;

  it.each([
    ['meta.message', createMachine({ initial: 'a', states: { a: { meta: { message: hugeString() } } } })],
    ['an output message', finishing(() => ({ message: hugeString() }))],
    [
      'a thrown huge error',
      onPoll(() => {
        throw new Error(hugeString());
      }),
    ],
  ])('%s of 5 M characters', async (_name, machine) => {
    const task = await alongside(machine);
    // An error's text leaves room for the engine's words around it (`poll error 1/3: …`).
    expect(task.message.length).toBeGreaterThan(MAX_MESSAGE_CHARS - 100);
    expect(task.message).toMatch(marker);
  });
});

describe('a machine snapshot that is not JSON', () => {
  it('is kept as unpersistable: commits go on, and a restore says why', async () => {
    const big = setup({ types: { context: {} as { n: unknown } } }).createMachine({
      initial: 'a',
      context: { n: 0 },
      states: {
        a: { on: { 'rnr.poll': { target: 'b', actions: assign({ n: () => 10n }) } } },
        b: { on: { 'rnr.poll': 'c' } },
        c: {},
      },
    });
    const file = join(tempDir(), 'rnr.db');
    const first = createJob({
      id: 'big',
      name: 'big',
      root: machineTask({ id: 'm', name: 'm', machine: big }),
      store: sqliteStore(file),
    });
    await expect(first.tick()).resolves.toBeUndefined();
    await expect(first.tick()).resolves.toBeUndefined();
    await settle();
    expect(first.getTask('m')).toMatchObject({ state: TaskState.RUNNING, message: 'c' });
    // Every change was committed: the store holds what listeners were told.
    expect((await first.events()).at(-1)?.seq).toBe(first.seq);
    expect((await first.events()).map((e) => e.message)).toContain('c');
    await first.close();

    const second = createJob({
      id: 'big',
      name: 'big',
      root: machineTask({ id: 'm', name: 'm', machine: big }),
      store: sqliteStore(file),
    });
    await second.load();
    expect(second.getTask('m').state).toBe(TaskState.FAILED);
    expect(second.getTask('m').message).toMatch(
      /^cannot restore the machine: its snapshot is not JSON: .*BigInt.*; retry starts it afresh$/,
    );
    await second.close();
  });
});

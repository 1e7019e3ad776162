import { callbackTask, createJob, isRnrError, machineTask, nestedTask, type RnrError, TaskState } from 'rnr';
import { settle } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createMachine, fromPromise, setup } from 'xstate';
import { failOnEscapes } from '../fixtures/escape-guard.js';

failOnEscapes({ settleTicks: 5 });

function invalidMachine(fn: () => unknown): RnrError {
  try {
    fn();
  } catch (err) {
    expect(isRnrError(err, 'RNR_ERR_INVALID_MACHINE')).toBe(true);
    return err as RnrError;
  }
  throw new Error('expected RNR_ERR_INVALID_MACHINE');
}

describe('machineTask rejects bad input with RNR_ERR_INVALID_MACHINE', () => {
  it.each([
    ['an object', {}],
    ['null', null],
    ['a function', () => 'cordon'],
    ['promise logic', fromPromise(async () => 1)],
    ['a task spec', callbackTask({ name: 'x', poll: () => true })],
  ])('a machine that is %s', (_, machine) => {
    const err = invalidMachine(() => machineTask({ name: 'drain n1', machine: machine as AnyStateMachine }));
    expect(err.message).toContain('drain n1');
    expect(err.message).toContain('XState');
  });

  it('an input the machine rejects, with the machine’s own reason', () => {
    const needsNode = setup({ types: { input: {} as { node?: string } } }).createMachine({
      id: 'drain',
      context: ({ input }) => {
        if (!input?.node) throw new Error('input.node is required');
        return { node: input.node };
      },
    });
    const err = invalidMachine(() => machineTask({ name: 'n', machine: needsNode, input: {} }));
    expect(err.message).toContain('input.node is required');
    expect(err.message).toContain('"drain"');
    expect(machineTask({ name: 'n', machine: needsNode, input: { node: 'n1' } }).name).toBe('n');
  });
});

/** A job of the `bad` machine next to a callback task and a well-behaved machine, failFast off. */
async function alongside(bad: AnyStateMachine) {
  let polls = 0;
  const fine = createMachine({
    initial: 'a',
    states: { a: { on: { 'rnr.poll': 'b' } }, b: { type: 'final' } },
  });
  const job = createJob({
    name: 'j',
    root: nestedTask({
      id: 'all',
      name: 'all',
      parallelism: 3,
      failFast: false,
      children: [
        machineTask({ id: 'bad', name: 'bad', machine: bad }),
        callbackTask({ id: 'cb', name: 'cb', poll: () => ++polls >= 2 }),
        machineTask({ id: 'fine', name: 'fine', machine: fine }),
      ],
    }),
  });
  await job.tick();
  await job.tick();
  await settle();
  expect(job.getTask('cb').state).toBe(TaskState.SUCCESS);
  expect(job.getTask('fine').state).toBe(TaskState.SUCCESS);
  expect(job.getTask('all').state).toBe(TaskState.FAILED);
  return job.getTask('bad');
}

describe('a machine that fails makes its task FAILED, and nothing else', () => {
  it('an entry action that throws as the actor starts', async () => {
    const bad = createMachine({
      initial: 'a',
      states: {
        a: {
          entry: () => {
            throw new Error('kubectl: connection refused');
          },
        },
      },
    });
    const task = await alongside(bad);
    expect(task).toMatchObject({ state: TaskState.FAILED, message: 'kubectl: connection refused' });
    expect(task.machine?.status).toBe('error');
  });

  it('a transition action that throws on a poll', async () => {
    const bad = createMachine({
      initial: 'a',
      states: {
        a: {
          on: {
            'rnr.poll': {
              target: 'b',
              actions: () => {
                throw new Error('drain: eviction API 500');
              },
            },
          },
        },
        b: {},
      },
    });
    expect(await alongside(bad)).toMatchObject({
      state: TaskState.FAILED,
      message: 'drain: eviction API 500',
    });
  });

  it('an output function that throws as the machine finishes', async () => {
    const bad = createMachine({
      initial: 'a',
      states: { a: { on: { 'rnr.poll': 'b' } }, b: { type: 'final' } },
      output: () => {
        throw new Error('summary: node list unavailable');
      },
    });
    expect(await alongside(bad)).toMatchObject({
      state: TaskState.FAILED,
      message: 'summary: node list unavailable',
    });
  });

  it('a guard that throws', async () => {
    const bad = createMachine({
      initial: 'a',
      states: {
        a: {
          on: {
            'rnr.poll': {
              guard: () => {
                throw new TypeError('cannot read pods of undefined');
              },
              target: 'b',
            },
          },
        },
        b: {},
      },
    });
    expect((await alongside(bad)).message).toContain('cannot read pods of undefined');
  });

  it('an invoked actor that rejects, unhandled', async () => {
    const bad = setup({
      actors: {
        reboot: fromPromise(async () => {
          throw new Error('node n1 did not come back');
        }),
      },
    }).createMachine({ initial: 'a', states: { a: { invoke: { src: 'reboot', onDone: 'b' } }, b: {} } });
    expect(await alongside(bad)).toMatchObject({
      state: TaskState.FAILED,
      message: 'node n1 did not come back',
    });
  });

  it('a rejection the machine handles is the machine’s business', async () => {
    const handles = setup({
      actors: {
        reboot: fromPromise(async () => {
          throw new Error('flaky');
        }),
      },
    }).createMachine({
      initial: 'a',
      states: {
        a: { invoke: { src: 'reboot', onDone: 'b', onError: 'retrying' } },
        retrying: { meta: { message: 'reboot failed, retrying' } },
        b: {},
      },
    });
    const job = createJob({ name: 'j', root: machineTask({ id: 'm', name: 'm', machine: handles }) });
    await job.tick();
    await settle();
    expect(job.getTask('m')).toMatchObject({ state: TaskState.RUNNING, message: 'reboot failed, retrying' });
  });
});

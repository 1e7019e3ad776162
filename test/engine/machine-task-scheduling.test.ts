/** Machine tasks under the scheduler: parallelism, pause, operator stops and retries, approvals, the harness. */
import { createJob, machineTask, nestedTask, TaskState } from 'rnr';
import { createTestEnvironment, minutes, settle } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import { drain, one } from '../fixtures/drain-machine.js';

describe('machineTask under the scheduler', () => {
  /** Stays in `work` until `finish` is set for its node; counts starts and stops (aborted invokes). */
  function tracked() {
    const started: string[] = [];
    const stopped: string[] = [];
    const finish = new Set<string>();
    const machine = setup({
      types: { input: {} as { node: string }, context: {} as { node: string } },
      actors: {
        hold: fromPromise<void, { node: string }>(
          ({ input, signal }) =>
            new Promise(() => signal.addEventListener('abort', () => stopped.push(input.node))),
        ),
      },
      guards: { finished: ({ context }) => finish.has(context.node) },
    }).createMachine({
      id: 'tracked',
      initial: 'work',
      context: ({ input }) => ({ node: input.node }),
      entry: ({ context }) => void started.push(context.node),
      states: {
        work: {
          invoke: { src: 'hold', input: ({ context }) => ({ node: context.node }) },
          on: { 'rnr.poll': { guard: 'finished', target: 'done' } },
        },
        done: { type: 'final' },
      },
    });
    const task = (node: string) => machineTask({ id: node, name: node, machine, input: { node } });
    return { started, stopped, finish, task };
  }

  it('counts against parallelism and starts the next machine when one finishes', async () => {
    const { started, finish, task } = tracked();
    const job = createJob({
      name: 'j',
      root: nestedTask({ id: 'all', name: 'all', parallelism: 2, children: ['a', 'b', 'c'].map(task) }),
    });
    await job.tick();
    expect(started).toEqual(['a', 'b']);
    finish.add('a');
    await job.tick(); // a finishes on its poll; c starts at the next tick
    expect(job.getTask('a').state).toBe(TaskState.SUCCESS);
    await job.tick();
    expect(started).toEqual(['a', 'b', 'c']);
    finish.add('b');
    finish.add('c');
    await job.tick();
    expect(job.getTask('all').state).toBe(TaskState.SUCCESS);
  });

  it('does not poll a paused machine task', async () => {
    const { finish, task } = tracked();
    const job = createJob({ name: 'j', root: task('a') });
    await job.tick();
    await job.pause('a');
    finish.add('a');
    await job.tick();
    expect(job.getTask('a').state).toBe(TaskState.RUNNING);
    await job.resume('a');
    await job.tick();
    expect(job.getTask('a').state).toBe(TaskState.SUCCESS);
  });

  it('a paused machine task is not polled, but work its machine started carries on', async () => {
    let finish: () => void = () => {};
    const working = setup({
      actors: { call: fromPromise(() => new Promise<void>((resolve) => (finish = resolve))) },
    }).createMachine({
      initial: 'calling',
      states: {
        calling: { invoke: { src: 'call', onDone: 'waiting' } },
        waiting: { on: { 'rnr.poll': 'done' } },
        done: { type: 'final' },
      },
    });
    const job = one(working);
    await job.tick();
    await job.pause('m');
    finish();
    await settle();
    expect(job.getTask('m').machine?.value).toBe('"waiting"');
    await job.tick();
    expect(job.getTask('m').state).toBe(TaskState.RUNNING);
    await job.resume('m');
    await job.tick();
    expect(job.getTask('m').state).toBe(TaskState.SUCCESS);
  });

  it('stops the actor on an operator skip; a retry starts a fresh actor (attempt + 1)', async () => {
    const { started, stopped, task } = tracked();
    const job = createJob({ name: 'j', root: task('a') });
    await job.tick();
    await job.skip('a', { actor: 'alice' });
    expect(stopped).toEqual(['a']);
    expect(job.getTask('a').machine).toMatchObject({ value: '"work"', status: 'stopped' });
    await job.retry('a');
    expect(job.getTask('a')).toMatchObject({
      state: TaskState.PENDING,
      attempt: 1,
      machine: { status: 'pending' },
    });
    await job.tick();
    expect(started).toEqual(['a', 'a']);
    expect(job.getTask('a').state).toBe(TaskState.RUNNING);
  });

  it('an operator setting a stopped machine task RUNNING again resumes it where it was', async () => {
    const { started, stopped, finish, task } = tracked();
    const job = createJob({ name: 'j', root: task('a') });
    await job.tick();
    await job.setTaskState('a', 'FAILED', { message: 'holding it' });
    expect(stopped).toEqual(['a']);
    await job.setTaskState('a', 'RUNNING');
    expect(job.getTask('a').machine).toMatchObject({ value: '"work"', status: 'active' });
    expect(started).toEqual(['a']); // restored, not re-entered
    finish.add('a');
    await job.tick();
    expect(job.getTask('a').state).toBe(TaskState.SUCCESS);
  });

  it('an operator setting a machine task that finished RUNNING again starts it afresh', async () => {
    const { started, finish, task } = tracked();
    const job = createJob({ name: 'j', root: task('a') });
    finish.add('a');
    await job.tick();
    expect(job.getTask('a')).toMatchObject({
      state: TaskState.SUCCESS,
      machine: { value: '"done"', status: 'done' },
    });
    finish.delete('a');
    await job.setTaskState('a', 'RUNNING', { actor: 'alice' });
    expect(job.getTask('a')).toMatchObject({
      state: TaskState.RUNNING,
      machine: { value: '"work"', status: 'active' },
    });
    expect(started).toEqual(['a', 'a']);
  });

  it('an approval the machine does not take leaves the task ACTION_PENDING', async () => {
    const stubborn = setup({}).createMachine({
      initial: 'ask',
      states: { ask: { tags: ['action-pending'], meta: { message: 'need a human' } } },
    });
    const job = one(stubborn);
    await job.tick();
    await job.approve('m', { actor: 'alice' });
    expect(job.getTask('m')).toMatchObject({ state: TaskState.ACTION_PENDING, message: 'need a human' });
  });

  it('runs under the test harness with automatic approvals', async () => {
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'j',
      pollIntervalMs: minutes(1),
      root: nestedTask({
        name: 'nodes',
        parallelism: 2,
        children: ['n1', 'n2', 'n3'].map((node) =>
          machineTask({ name: node, machine: drain, input: { node } }),
        ),
      }),
    });
    const report = await env.run(job, { approve: true, actor: 'carol' });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask('nodes/n3').approval?.by).toBe('carol');
  });
});

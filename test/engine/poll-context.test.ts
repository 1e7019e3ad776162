import {
  callbackTask,
  createJob,
  type Job,
  nestedTask,
  type PollContext,
  type PollResult,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { oneLeaf } from '../fixtures/one-leaf.js';

describe('ctx', () => {
  it('carries the task (id, name, state, message, attempt) and the job (id, name)', async () => {
    const seen: Array<PollContext['task'] & { job: PollContext['job'] }> = [];
    const script: PollResult[] = [
      { message: 'first' },
      { state: TaskState.FAILED, message: 'broke' },
      undefined,
    ];
    const job = createJob({
      id: 'j-1',
      name: 'Job One',
      clock: new TestClock(),
      root: nestedTask({
        name: 'Job One',
        children: [
          callbackTask({
            id: 'leaf-x',
            name: 'Leaf X',
            poll: (ctx) => {
              seen.push({ ...ctx.task, job: { ...ctx.job } });
              return script.shift();
            },
          }),
        ],
      }),
    });
    await job.tick();
    await job.tick();
    await job.retry('leaf-x');
    // whether a retry keeps the old status line is the engine's choice: ctx shows what the task shows
    const messageAfterRetry = job.getTask('leaf-x').message;
    await job.tick();
    const job1 = { id: 'j-1', name: 'Job One' };
    expect(seen).toEqual([
      { id: 'leaf-x', name: 'Leaf X', state: TaskState.RUNNING, message: '', attempt: 0, job: job1 },
      { id: 'leaf-x', name: 'Leaf X', state: TaskState.RUNNING, message: 'first', attempt: 0, job: job1 },
      {
        id: 'leaf-x',
        name: 'Leaf X',
        state: TaskState.RUNNING,
        message: messageAfterRetry,
        attempt: 1,
        job: job1,
      },
    ]);
  });

  it('approval is undefined until an operator approves, then { by, at }', async () => {
    const approvals: unknown[] = [];
    const { job, id, task } = await oneLeaf((ctx) => {
      approvals.push(ctx.approval);
      return ctx.approval ? true : 'ACTION_PENDING';
    });
    await job.tick();
    await job.tick();
    expect(task().state).toBe(TaskState.ACTION_PENDING);
    await (job.clock as TestClock).advance(60_000); // so `at` is the approval's time, not the job's start
    const at = job.clock.now();
    await job.approve(id, { actor: 'alice', reason: 'change window open' });
    expect(task().state).toBe(TaskState.RUNNING);
    await job.tick();
    expect(approvals.slice(0, 2)).toEqual([undefined, undefined]);
    expect(approvals[2]).toMatchObject({ by: 'alice', at });
    expect(task().state).toBe(TaskState.SUCCESS);
    expect(task().approval).toMatchObject({ by: 'alice', at });
  });

  it.each([
    ['setTaskState FAILED', (job: Job, id: string) => job.setTaskState(id, 'FAILED'), TaskState.FAILED],
    [
      'setTaskState PENDING',
      (job: Job, id: string) => job.setTaskState(id, TaskState.PENDING),
      TaskState.PENDING,
    ],
    ['skip', (job: Job, id: string) => job.skip(id), TaskState.SKIPPED],
    ['retry', (job: Job, id: string) => job.retry(id), TaskState.PENDING],
  ])(
    'signal is aborted when an operator changes the task mid-poll (%s); the late result is ignored',
    async (_n, act, after) => {
      let signal: AbortSignal | undefined;
      let finish: (r: PollResult) => void = () => {};
      const { job, id, task } = await oneLeaf((ctx) => {
        signal = ctx.signal;
        return new Promise<PollResult>((resolve) => {
          finish = resolve;
        });
      });
      const ticking = job.tick();
      expect(signal?.aborted).toBe(false);
      act(job, id);
      expect(signal?.aborted).toBe(true);
      finish({ state: 'SUCCESS', message: 'late' });
      await ticking;
      expect(task().state).toBe(after);
      expect(task().message).not.toBe('late');
    },
  );

  it('signal is aborted when an operator approves mid-poll; the late result is ignored', async () => {
    const signals: AbortSignal[] = [];
    let finish: (r: PollResult) => void = () => {};
    const { job, id, task } = await oneLeaf((ctx) => {
      signals.push(ctx.signal);
      if (signals.length === 1) return 'ACTION_PENDING';
      return new Promise<PollResult>((resolve) => {
        finish = resolve;
      });
    });
    await job.tick();
    const ticking = job.tick();
    expect(task().state).toBe(TaskState.ACTION_PENDING);
    await job.approve(id, { actor: 'alice' });
    expect(signals[1]?.aborted).toBe(true);
    finish('FAILED');
    await ticking;
    expect(task().state).toBe(TaskState.RUNNING);
  });

  it('signal is aborted when the job stops, and not aborted by a poll that just finishes', async () => {
    const signals: AbortSignal[] = [];
    let hang = false;
    const { job } = await oneLeaf((ctx) => {
      signals.push(ctx.signal);
      return hang ? new Promise<PollResult>(() => {}) : undefined;
    });
    await job.tick();
    expect(signals[0]?.aborted).toBe(false);
    hang = true;
    const ticking = job.tick();
    await job.stop();
    await ticking;
    expect(signals[1]?.aborted).toBe(true);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('log(line) sets the message, during the poll, without changing the state', async () => {
    let finish: (r: PollResult) => void = () => {};
    const { job, task } = await oneLeaf((ctx) => {
      ctx.log('draining connections');
      return new Promise<PollResult>((resolve) => {
        finish = resolve;
      });
    });
    const ticking = job.tick();
    await Promise.resolve();
    expect(task().message).toBe('draining connections');
    expect(task().state).toBe(TaskState.RUNNING);
    finish(undefined);
    await ticking;
    expect(task().message).toBe('draining connections');
  });

  it('a later { message } replaces what log() wrote', async () => {
    const { job, task } = await oneLeaf((ctx) => {
      ctx.log('step 1');
      return { message: 'step 2' };
    });
    await job.tick();
    expect(task().message).toBe('step 2');
  });
});

import { callbackTask, createJob, nestedTask, type PollResult, TaskState } from 'rnr';
import { createTestEnvironment, TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { oneLeaf, type Poll } from '../fixtures/one-leaf.js';

const modes = [
  [
    'sync',
    (value: unknown): Poll =>
      () =>
        value,
  ],
  [
    'async',
    (value: unknown): Poll =>
      async () =>
        value,
  ],
] as const;

describe.each(modes)('poll result shortcuts (%s)', (_mode, returning) => {
  it.each([
    ['undefined', undefined, TaskState.RUNNING, ''],
    ['false', false, TaskState.RUNNING, ''],
    ['true', true, TaskState.SUCCESS, ''],
    ['TaskState.SKIPPED', TaskState.SKIPPED, TaskState.SKIPPED, ''],
    ['TaskState.FAILED', TaskState.FAILED, TaskState.FAILED, ''],
    ['TaskState.ACTION_PENDING', TaskState.ACTION_PENDING, TaskState.ACTION_PENDING, ''],
    ["'SKIPPED'", 'SKIPPED', TaskState.SKIPPED, ''],
    ["'SUCCESS'", 'SUCCESS', TaskState.SUCCESS, ''],
    ['{ state }', { state: TaskState.SUCCESS }, TaskState.SUCCESS, ''],
    ["{ state: 'FAILED' }", { state: 'FAILED' }, TaskState.FAILED, ''],
    ['{ message }', { message: 'half way' }, TaskState.RUNNING, 'half way'],
    ['{ state, message }', { state: 'SKIPPED', message: 'not needed' }, TaskState.SKIPPED, 'not needed'],
  ])('%s', async (_name, value, state, message) => {
    const { job, task } = await oneLeaf(returning(value));
    await job.tick();
    expect(task().state).toBe(state);
    expect(task().message).toBe(message);
  });

  it('from ACTION_PENDING: undefined and {} keep it waiting, RUNNING resumes it', async () => {
    const script: unknown[] = [
      'ACTION_PENDING',
      undefined,
      {},
      { message: 'still waiting' },
      TaskState.RUNNING,
    ];
    const seen: TaskState[] = [];
    const poll = await oneLeaf((ctx) => {
      seen.push(ctx.task.state);
      return returning(script.shift())(ctx);
    });
    for (let i = 0; i < 4; i++) await poll.job.tick();
    expect(poll.task()).toMatchObject({ state: TaskState.ACTION_PENDING, message: 'still waiting' });
    await poll.job.tick();
    expect(poll.task().state).toBe(TaskState.RUNNING);
    expect(seen).toEqual([TaskState.RUNNING, ...Array<TaskState>(4).fill(TaskState.ACTION_PENDING)]);
  });

  it('a poll that returns nothing (void) keeps the task running, and it is polled again', async () => {
    let polls = 0;
    const { job, task } = await oneLeaf(() => {
      polls++;
    });
    await job.tick();
    await job.tick();
    expect(task().state).toBe(TaskState.RUNNING);
    expect(polls).toBe(2);
  });
});

const failModes = [
  [
    'throw',
    (err: unknown): Poll =>
      () => {
        throw err;
      },
  ],
  [
    'reject',
    (err: unknown): Poll =>
      () =>
        Promise.reject(err),
  ],
] as const;

describe.each(failModes)('poll errors (%s) and retries', (_mode, fail) => {
  it('retries: 0 (default): the first error is FAILED with the error message', async () => {
    const { job, task } = await oneLeaf(fail(new Error('disk full')));
    await job.tick();
    expect(task().state).toBe(TaskState.FAILED);
    expect(task().message).toContain('disk full');
  });

  it.each([
    ['a string', 'oops, a string'],
    ['a plain object', { reason: 'quota exceeded' }],
  ])('what is thrown need not be an Error (%s): its text is the message', async (_what, thrown) => {
    const { job, task } = await oneLeaf(fail(thrown));
    await job.tick();
    expect(task().state).toBe(TaskState.FAILED);
    expect(task().message).toMatch(/oops, a string|quota exceeded/);
  });

  it('retries: n tolerates n consecutive errors (shown in the message), then FAILED', async () => {
    let n = 0;
    const { job, task } = await oneLeaf(
      (ctx) => {
        n++;
        return fail(new Error(`boom ${n}`))(ctx);
      },
      { retries: 2 },
    );
    await job.tick();
    expect(task().state).toBe(TaskState.RUNNING);
    expect(task().message).toContain('boom 1');
    await job.tick();
    expect(task().state).toBe(TaskState.RUNNING);
    expect(task().message).toContain('boom 2');
    await job.tick();
    expect(task().state).toBe(TaskState.FAILED);
    expect(task().message).toContain('boom 3');
  });

  it('a good poll in between resets the count', async () => {
    const script = ['err', 'err', 'ok', 'err', 'err', 'err'];
    const { job, task } = await oneLeaf(
      (ctx) => (script.shift() === 'ok' ? { message: 'fine' } : fail(new Error('flaky'))(ctx)),
      { retries: 2 },
    );
    for (let i = 0; i < 5; i++) await job.tick();
    expect(task().state).toBe(TaskState.RUNNING);
    await job.tick();
    expect(task().state).toBe(TaskState.FAILED);
    expect(task().message).toContain('flaky');
  });
});

describe('pollTimeoutMs (simulated time)', () => {
  /** Polls hang forever the first `hangs` times, then succeed. */
  function hanging(hangs: number, retries: number) {
    const env = createTestEnvironment();
    let polls = 0;
    const leaf = callbackTask({
      name: 'slow',
      retries,
      pollTimeoutMs: 10_000,
      poll: () => (++polls <= hangs ? new Promise<PollResult>(() => {}) : true),
    });
    const job = env.createJob({
      name: 'job',
      root: nestedTask({ name: 'job', children: [leaf] }),
      pollIntervalMs: 30_000,
    });
    return { env, job, task: () => job.getTask('job/slow'), polls: () => polls };
  }

  it('a poll that never settles is a poll error after the timeout, and the task is polled again', async () => {
    const { env, job, task, polls } = hanging(1, 1);
    job.start();
    await env.advance(9_999);
    expect(task().state).toBe(TaskState.RUNNING);
    expect(task().message).toBe('');
    await env.advance(1);
    expect(task().state).toBe(TaskState.RUNNING);
    expect(task().message).toMatch(/time/i);
    await env.advance(20_000);
    expect(polls()).toBe(2);
    expect(task().state).toBe(TaskState.SUCCESS);
    await job.stop();
  });

  it('a result that arrives after the timeout is ignored', async () => {
    const env = createTestEnvironment();
    let polls = 0;
    const leaf = callbackTask({
      name: 'late',
      retries: 1,
      pollTimeoutMs: 10_000,
      poll: () => {
        polls++;
        return new Promise<PollResult>((resolve) => env.clock.setTimeout(() => resolve(true), 15_000));
      },
    });
    const job = env.createJob({
      name: 'job',
      root: nestedTask({ name: 'job', children: [leaf] }),
      pollIntervalMs: 60_000,
    });
    job.start();
    await env.advance(20_000);
    expect(polls).toBe(1);
    expect(job.getTask('job/late').state).toBe(TaskState.RUNNING);
    expect(job.getTask('job/late').message).toMatch(/time/i);
    await job.stop();
  });

  it('without retries the timeout is FAILED, with a message that says so', async () => {
    const { env, job, task } = hanging(1, 0);
    job.start();
    await env.advance(10_000);
    expect(task().state).toBe(TaskState.FAILED);
    expect(task().message).toMatch(/time/i);
    await job.stop();
  });
});

describe.each(modes)(
  'garbage poll results (%s) are poll errors; the engine carries on',
  (_mode, returning) => {
    const throwingGetter = {
      get state(): never {
        throw new Error('getter blew up');
      },
    };
    it.each([
      ['an array', [TaskState.SUCCESS]],
      ['a number out of range', 7],
      ['a negative number', -1],
      ['a fraction', 2.5],
      ['an unknown name', 'NOPE'],
      ["{ state: 'NOPE' }", { state: 'NOPE' }],
      ['{ state: 99 }', { state: 99 }],
      ['{ message: 42 }', { message: 42 }],
      ['a Symbol', Symbol('odd')],
      ['a bigint', 10n],
      ['a function', () => true],
      ['an object whose state getter throws', throwingGetter],
    ])('%s', async (_name, garbage) => {
      let siblingPolls = 0;
      const job = createJob({
        name: 'job',
        clock: new TestClock(),
        root: nestedTask({
          name: 'job',
          parallelism: 2,
          children: [
            callbackTask({ name: 'bad', retries: 5, poll: returning(garbage) as () => PollResult }),
            callbackTask({ name: 'good', poll: () => ++siblingPolls === 3 }),
          ],
        }),
      });
      for (let i = 0; i < 3; i++) await expect(job.tick()).resolves.toBeUndefined();
      const bad = job.getTask('job/bad');
      expect(bad.state).toBe(TaskState.RUNNING);
      expect(bad.message).not.toBe('');
      expect(job.getTask('job/good').state).toBe(TaskState.SUCCESS);
      expect(siblingPolls).toBe(3);
      // n + 1 errors: FAILED, with the error still in the message.
      for (let i = 0; i < 3; i++) await job.tick();
      expect(job.getTask('job/bad').state).toBe(TaskState.FAILED);
      expect(job.getTask('job/bad').message).not.toBe('');
    });
  },
);

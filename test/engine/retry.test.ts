import { createJob, EventCause, machineTask, type RetryOptions, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { oneLeaf, type Poll } from '../fixtures/one-leaf.js';

const BACKOFF: RetryOptions = { attempts: 3, backoff: { initialMs: 30_000 } };

/** A leaf whose poll fails while `failing()` says so, counting its polls; retried per `retry`. */
async function flaky(retry: RetryOptions = BACKOFF, extra: { retries?: number } = {}) {
  const state = { failing: true, polls: 0 };
  const poll: Poll = () => {
    state.polls++;
    if (state.failing) throw new Error('boom');
    return true;
  };
  const leaf = await oneLeaf(poll, { retry, ...extra });
  const clock = leaf.job.clock as TestClock;
  const at = (ms: number) => clock.advance(ms).then(() => leaf.job.tick());
  return { ...leaf, state, clock, at };
}

describe('automatic retries: the wait', () => {
  it('waits RUNNING and unpolled until retryAt, then polls attempt + 1 in that tick', async () => {
    const { job, id, task, state, clock, at } = await flaky();
    const t0 = clock.now();
    await job.tick();
    expect(task()).toMatchObject({ state: TaskState.RUNNING, attempt: 0, retryAt: t0 + 30_000 });
    await at(29_999);
    expect(state.polls).toBe(1);
    state.failing = false;
    await at(1);
    expect(state.polls).toBe(2);
    expect(task()).toMatchObject({ state: TaskState.SUCCESS, attempt: 1 });
    expect(job.getTask(id).retryAt).toBeUndefined();
  });

  it('without a backoff, the next try starts on the next tick', async () => {
    const { job, task, state } = await flaky({ attempts: 2 });
    await job.tick();
    expect(task().message).toBe('retrying on the next tick, attempt 2/2; attempt 1 failed: boom');
    await job.tick();
    expect(state.polls).toBe(2);
    expect(task()).toMatchObject({ state: TaskState.FAILED, attempt: 1 });
    expect(task().message).toBe('attempt 2/2 failed, no retries left: boom');
  });

  it('a poll that returns FAILED is retried too, and so is one that was ACTION_PENDING', async () => {
    const answers = ['ACTION_PENDING', 'FAILED', true];
    const { job, task } = await oneLeaf(() => answers.shift(), { retry: { attempts: 2 } });
    await job.tick();
    expect(task().state).toBe(TaskState.ACTION_PENDING);
    await job.tick();
    expect(task()).toMatchObject({ state: TaskState.RUNNING, attempt: 0 });
    expect(task().retryAt).toBeDefined();
    await job.tick();
    expect(task()).toMatchObject({ state: TaskState.SUCCESS, attempt: 1 });
  });

  it('poll errors tolerated under `retries` wait with the backoff instead of the next tick', async () => {
    const { job, task, state, at } = await flaky(
      { attempts: 1, backoff: { initialMs: 10_000, factor: 3 } },
      { retries: 2 },
    );
    await job.tick();
    expect(task().message).toBe('poll error 1/2 (next poll in 10s): boom');
    await at(9_000);
    expect(state.polls).toBe(1);
    await at(1_000);
    expect(state.polls).toBe(2);
    expect(task().message).toBe('poll error 2/2 (next poll in 30s): boom');
    await at(29_000);
    expect(state.polls).toBe(2);
    await at(1_000);
    expect(task()).toMatchObject({ state: TaskState.FAILED });
    expect(task().message).toBe(
      'attempt 1/1 failed, no retries left: boom (after 3 consecutive poll errors)',
    );
  });
});

describe('automatic retries: what an operator does to a pending retry', () => {
  async function waiting() {
    const f = await flaky();
    await f.job.tick();
    expect(f.task().retryAt).toBeDefined();
    return f;
  }

  it('retry: the next try now (PENDING, attempt + 1, wait cancelled)', async () => {
    const { job, id, task, state } = await waiting();
    await job.retry(id, { actor: 'ops' });
    expect(task()).toMatchObject({ state: TaskState.PENDING, attempt: 1, message: '' });
    expect(task().retryAt).toBeUndefined();
    state.failing = false;
    await job.tick();
    expect(task()).toMatchObject({ state: TaskState.SUCCESS, attempt: 1 });
  });

  it('skip: SKIPPED, the waiting words gone from the line, no retry later', async () => {
    const { job, id, task, state, at } = await waiting();
    await job.skip(id);
    expect(task()).toMatchObject({ state: TaskState.SKIPPED, message: 'attempt 1 failed: boom' });
    expect(task().retryAt).toBeUndefined();
    await at(60_000);
    expect(state.polls).toBe(1);
  });

  it('setTaskState RUNNING: the wait ends and the same attempt is polled on the next tick', async () => {
    const { job, id, task, state } = await waiting();
    const events: unknown[] = [];
    job.subscribe((e) => events.push(e));
    await job.setTaskState(id, 'RUNNING', { actor: 'ops' });
    expect(task()).toMatchObject({ state: TaskState.RUNNING, attempt: 0, message: 'attempt 1 failed: boom' });
    expect(task().retryAt).toBeUndefined();
    expect(events).toEqual([
      expect.objectContaining({ cause: EventCause.OPERATOR, action: 'state', actor: 'ops' }),
    ]);
    state.failing = false;
    await job.tick();
    expect(state.polls).toBe(2);
    expect(task()).toMatchObject({ state: TaskState.SUCCESS, attempt: 0 });
  });

  it('setTaskState FAILED: stays FAILED, no retry', async () => {
    const { job, id, task, at, state } = await waiting();
    await job.setTaskState(id, 'FAILED');
    await at(60_000);
    expect(task().state).toBe(TaskState.FAILED);
    expect(state.polls).toBe(1);
  });

  it('pause cancels the pending retry; after resume the same attempt is polled again', async () => {
    const { job, id, task, state, at } = await waiting();
    await job.pause(id);
    expect(task()).toMatchObject({ paused: true, state: TaskState.RUNNING, attempt: 0 });
    expect(task().retryAt).toBeUndefined();
    expect(task().message).not.toMatch(/retrying/);
    await at(60_000);
    expect(state.polls).toBe(1);
    await job.resume(id);
    await job.tick();
    expect(state.polls).toBe(2);
    expect(task().attempt).toBe(0);
  });
});

describe('automatic retries: machine tasks', () => {
  it('a machine that ends in error is retried with a fresh actor (attempt + 1)', async () => {
    let starts = 0;
    const machine = createMachine({
      id: 'flaky-machine',
      initial: 'work',
      entry: () => {
        starts++;
      },
      states: {
        work: {
          meta: { message: 'working' },
          on: {
            'rnr.poll': [
              {
                guard: () => starts < 2,
                actions: () => {
                  throw new Error('device busy');
                },
              },
              { target: 'done' },
            ],
          },
        },
        done: { type: 'final' },
      },
    });
    const clock = new TestClock();
    const job = createJob({
      name: 'm',
      clock,
      root: machineTask({ name: 'm', machine, retry: { attempts: 3, backoff: { initialMs: 5_000 } } }),
    });
    await job.tick();
    const waitingTask = job.getTask('m');
    expect(waitingTask).toMatchObject({ state: TaskState.RUNNING, attempt: 0, retryAt: clock.now() + 5_000 });
    expect(waitingTask.message).toMatch(/^retrying in 5s, attempt 2\/3; attempt 1 failed: .*device busy/);
    expect(waitingTask.machine?.status).toBe('error');
    await clock.advance(5_000);
    await job.tick();
    expect(starts).toBe(2);
    expect(job.getTask('m')).toMatchObject({ state: TaskState.SUCCESS, attempt: 1 });
  });
});

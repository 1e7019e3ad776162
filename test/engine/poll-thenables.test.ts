// biome-ignore-all lint/suspicious/noThenProperty: these tests build thenables on purpose
import { callbackTask, nestedTask, type PollResult, TaskState } from 'rnr';
import { createTestEnvironment } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { trapProxy } from '../fixtures/hostile-values.js';

/**
 * A job of two leaves ticked every 30 s on simulated time: `odd` returns `result()`, `steady`
 * counts its polls.
 */
function pair(result: () => unknown, options: { pollTimeoutMs?: number; retries?: number } = {}) {
  const env = createTestEnvironment();
  let steady = 0;
  let odd = 0;
  const job = env.createJob({
    name: 'job',
    pollIntervalMs: 30_000,
    root: nestedTask({
      name: 'job',
      parallelism: 2,
      children: [
        callbackTask({
          name: 'odd',
          ...options,
          poll: () => {
            odd++;
            return result() as PollResult;
          },
        }),
        callbackTask({ name: 'steady', poll: () => void steady++ }),
      ],
    }),
  });
  return {
    env,
    job,
    odd: () => job.getTask('job/odd'),
    polls: () => ({ odd, steady }),
  };
}

describe('a thenable poll result is treated like a promise', () => {
  it('one that never calls back times out after pollTimeoutMs, and is polled again', async () => {
    const { env, job, odd, polls } = pair(() => ({ then() {} }), { pollTimeoutMs: 10_000, retries: 1 });
    job.start();
    await env.advance(9_999);
    expect(odd()).toMatchObject({ state: TaskState.RUNNING, message: '' });
    await env.advance(1);
    expect(odd()).toMatchObject({
      state: TaskState.RUNNING,
      message: 'poll error 1/1: poll timed out after 10000 ms',
    });
    await env.advance(30_000);
    expect(odd().state).toBe(TaskState.FAILED);
    expect(odd().message).toBe('poll timed out after 10000 ms (after 2 consecutive poll errors)');
    expect(polls()).toEqual({ odd: 2, steady: 2 });
    await job.stop();
  });

  it('one that never calls back holds only its own task: the other is polled every tick', async () => {
    const { env, job, odd, polls } = pair(() => ({ then() {} }));
    job.start();
    await env.advance(5 * 30_000);
    expect(polls()).toEqual({ odd: 1, steady: 6 });
    expect(odd().state).toBe(TaskState.RUNNING);
    await job.stop();
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
    [
      'a throwing then getter',
      () => ({
        get then(): never {
          throw new Error('then blew up');
        },
      }),
    ],
    [
      'a then that rejects',
      () => ({
        then(_ok: unknown, fail: (err: unknown) => void) {
          fail(new Error('then blew up'));
        },
      }),
    ],
    [
      'a then that resolves with a thenable that throws',
      () => ({
        then(ok: (value: unknown) => void) {
          ok({
            then() {
              throw new Error('then blew up');
            },
          });
        },
      }),
    ],
  ])('%s is a poll error with its message', async (_name, result) => {
    const { env, job, odd, polls } = pair(result);
    job.start();
    await env.advance(0);
    expect(odd()).toMatchObject({ state: TaskState.FAILED, message: 'then blew up' });
    await env.advance(30_000);
    expect(polls()).toEqual({ odd: 1, steady: 2 });
    await job.stop();
  });

  it('a then that resolves with a Proxy whose traps throw is a poll error', async () => {
    const { job, odd } = pair(() => ({ then: (ok: (value: unknown) => void) => ok(trapProxy()) }));
    await expect(job.tick()).resolves.toBeUndefined();
    expect(odd()).toMatchObject({ state: TaskState.FAILED, message: 'proxy trap get blew up' });
  });

  it('a then that calls back at once, or later, delivers its result', async () => {
    const now = pair(() => ({
      then: (ok: (value: unknown) => void) => ok({ state: 'SKIPPED', message: 'n/a' }),
    }));
    await now.job.tick();
    expect(now.odd()).toMatchObject({ state: TaskState.SKIPPED, message: 'n/a' });

    const env = createTestEnvironment();
    const later = pair(() => ({
      then: (ok: (value: unknown) => void) => env.clock.setTimeout(() => ok(true), 5_000),
    }));
    const tick = later.job.tick();
    await env.advance(4_999);
    expect(later.odd().state).toBe(TaskState.RUNNING);
    await env.advance(1);
    await tick;
    expect(later.odd().state).toBe(TaskState.SUCCESS);
  });

  it('an operator change while a thenable is pending wins; its late result is ignored', async () => {
    let deliver: (value: unknown) => void = () => {};
    const { job, odd } = pair(() => ({
      then: (ok: (value: unknown) => void) => {
        deliver = ok;
      },
    }));
    const tick = job.tick();
    await job.skip('job/odd', { actor: 'ops', reason: 'not needed' });
    await tick;
    deliver({ state: 'FAILED', message: 'too late' });
    await job.tick();
    expect(odd()).toMatchObject({ state: TaskState.SKIPPED, message: '' });
  });
});

describe('a children function that returns a thenable', () => {
  const nested = (children: () => unknown) => {
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'job',
      root: nestedTask({ name: 'job', children: children as () => [] }),
    });
    return { job, root: () => job.getTask('job', { depth: 1 }) };
  };

  it.each([
    [
      'a throwing then',
      () => ({
        then() {
          throw new Error('then blew up');
        },
      }),
    ],
    [
      'a throwing then getter',
      () => ({
        get then(): never {
          throw new Error('then blew up');
        },
      }),
    ],
    ['a Proxy whose every trap throws', () => trapProxy()],
  ])('%s: the nested task is FAILED with the reason; the tick resolves', async (_name, out) => {
    const { job, root } = nested(out);
    await expect(job.tick()).resolves.toBeUndefined();
    expect(root().state).toBe(TaskState.FAILED);
    expect(root().message).toMatch(/^children: (then|proxy trap get) blew up$/);
  });

  it('a thenable that resolves to a list of specs adds those children', async () => {
    const { job, root } = nested(() => ({
      then: (ok: (value: unknown) => void) => ok([callbackTask({ name: 'a', poll: () => true })]),
    }));
    await job.tick();
    await job.tick();
    expect(root().children.map((c) => [c.name, c.state])).toEqual([['a', TaskState.SUCCESS]]);
  });
});

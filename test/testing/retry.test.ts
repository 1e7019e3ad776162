import { callbackTask, EventCause, nestedTask, type TaskEvent, TaskState } from 'rnr';
import { createTestEnvironment, hours, seconds } from 'rnr/testing';
import { describe, expect, it } from 'vitest';

const FLAKY = 'release/flaky';

describe('test harness: automatic retries on simulated time', () => {
  it('a flaky step that fails twice then succeeds: attempts 5, backoff 30 s ×2, each event asserted', async () => {
    const env = createTestEnvironment();
    const t0 = env.startedAt;
    const polls: { at: number; attempt: number }[] = [];
    const job = env.createJob({
      name: 'release',
      pollIntervalMs: seconds(5),
      root: nestedTask({
        name: 'release',
        children: [
          callbackTask({
            name: 'flaky',
            retry: { attempts: 5, backoff: { initialMs: seconds(30), factor: 2 } },
            poll: (ctx) => {
              polls.push({ at: env.elapsed(), attempt: ctx.task.attempt });
              if (ctx.task.attempt < 2) throw new Error(`connection refused #${ctx.task.attempt + 1}`);
              return true;
            },
          }),
        ],
      }),
    });
    const seen: TaskEvent[] = [];
    job.subscribe((event) => {
      if (event.taskId === FLAKY) seen.push(event);
    });
    // Half-way through the first wait: RUNNING, not polled, the retry on the Task.
    let waiting: unknown;
    env.at(seconds(15), () => {
      waiting = job.getTask(FLAKY);
    });

    const report = await env.run(job, { for: hours(1) });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(report.elapsedMs).toBe(seconds(90));
    expect(waiting).toMatchObject({
      state: TaskState.RUNNING,
      attempt: 0,
      retryAt: t0 + seconds(30),
      maxAttempts: 5,
      message: 'retrying in 30s, attempt 2/5; attempt 1 failed: connection refused #1',
    });
    // Polled once per try, at 0, 30 s and 30 + 60 s: never while it waited.
    expect(polls).toEqual([
      { at: 0, attempt: 0 },
      { at: seconds(30), attempt: 1 },
      { at: seconds(90), attempt: 2 },
    ]);
    const R = TaskState.RUNNING;
    expect(seen.map((e) => [e.from, e.to, e.cause, e.attempt, e.retryAt, e.message, e.time - t0])).toEqual([
      [TaskState.PENDING, R, EventCause.SCHEDULER, 0, undefined, '', 0],
      [
        R,
        R,
        EventCause.POLL,
        0,
        t0 + seconds(30),
        'retrying in 30s, attempt 2/5; attempt 1 failed: connection refused #1',
        0,
      ],
      [R, R, EventCause.SCHEDULER, 1, undefined, 'starting attempt 2/5', seconds(30)],
      [
        R,
        R,
        EventCause.POLL,
        1,
        t0 + seconds(90),
        'retrying in 1m00s, attempt 3/5; attempt 2 failed: connection refused #2',
        seconds(30),
      ],
      [R, R, EventCause.SCHEDULER, 2, undefined, 'starting attempt 3/5', seconds(90)],
      [R, TaskState.SUCCESS, EventCause.POLL, 2, undefined, '', seconds(90)],
    ]);
    const done = job.getTask(FLAKY);
    expect(done).toMatchObject({ state: TaskState.SUCCESS, attempt: 2, maxAttempts: 5 });
    expect(done.retryAt).toBeUndefined();
  });

  it('gives up after `attempts` tries: FAILED, saying so, the waits doubling up to maxMs', async () => {
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'gives-up',
      pollIntervalMs: seconds(1),
      root: callbackTask({
        name: 'gives-up',
        retry: { attempts: 4, backoff: { initialMs: seconds(10), factor: 3, maxMs: seconds(60) } },
        poll: () => ({ state: 'FAILED', message: 'disk full' }),
      }),
    });
    const waits: number[] = [];
    job.subscribe((e) => {
      if (e.retryAt !== undefined) waits.push(e.retryAt - e.time);
    });
    const report = await env.run(job, { for: hours(1) });
    expect(report.state).toBe(TaskState.FAILED);
    // 10 s, 30 s, then 90 s capped at 60 s.
    expect(waits).toEqual([seconds(10), seconds(30), seconds(60)]);
    expect(report.elapsedMs).toBe(seconds(100));
    expect(job.getTask('gives-up')).toMatchObject({
      attempt: 3,
      message: 'attempt 4/4 failed, no retries left: disk full',
    });
  });

  it('jitter draws from the clock: the same seed, the same waits; each within [delay × (1 − jitter), delay]', async () => {
    const waitsOf = async () => {
      const env = createTestEnvironment();
      const job = env.createJob({
        name: 'jitter',
        pollIntervalMs: seconds(1),
        root: callbackTask({
          name: 'jitter',
          retry: { attempts: 6, backoff: { initialMs: seconds(10), jitter: 0.5 } },
          poll: () => {
            throw new Error('flake');
          },
        }),
      });
      const waits: number[] = [];
      job.subscribe((e) => {
        if (e.retryAt !== undefined) waits.push(e.retryAt - e.time);
      });
      await env.run(job, { for: hours(1) });
      return waits;
    };
    const first = await waitsOf();
    expect(await waitsOf()).toEqual(first);
    expect(first).toHaveLength(5);
    first.forEach((wait, i) => {
      const nominal = seconds(10) * 2 ** i;
      expect(wait).toBeGreaterThanOrEqual(nominal * 0.5);
      expect(wait).toBeLessThanOrEqual(nominal);
    });
    expect(new Set(first.map((w, i) => w / (seconds(10) * 2 ** i))).size).toBeGreaterThan(1);
  });
});

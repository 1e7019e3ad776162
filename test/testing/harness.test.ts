import { type Approval, callbackTask, EventCause, nestedTask, type PollResult, TaskState } from 'rnr';
import { createTestEnvironment, hours, minutes, seconds } from 'rnr/testing';
import { describe, expect, it } from 'vitest';

const BUILD = 'release/build';
const FLAKY = 'release/flaky';
const DEPLOY = 'release/deploy';

/**
 * The scenario: three tasks polled every 30 s. `build` finishes after 5.5 h, `flaky` never
 * does (the test skips it at 2 h), `deploy` asks for approval at 3 h and finishes once approved.
 */
function scenario() {
  const env = createTestEnvironment();
  const polls: Record<string, number[]> = { [BUILD]: [], [FLAKY]: [], [DEPLOY]: [] };
  const approvals: Array<Approval | undefined> = [];
  const record = (id: string) => polls[id]?.push(env.elapsed());
  const job = env.createJob({
    name: 'release',
    pollIntervalMs: seconds(30),
    root: nestedTask({
      name: 'release',
      parallelism: 3,
      children: [
        callbackTask({
          name: 'build',
          poll: async (ctx) => {
            record(ctx.task.id);
            return env.elapsed() >= hours(5.5)
              ? true
              : { message: `${Math.round(env.elapsed() / 60_000)} min in` };
          },
        }),
        callbackTask({
          name: 'flaky',
          poll: (ctx) => {
            record(ctx.task.id);
            return { message: 'still waiting for a lock' };
          },
        }),
        callbackTask({
          name: 'deploy',
          poll: (ctx): PollResult => {
            record(ctx.task.id);
            if (env.elapsed() < hours(3)) return undefined;
            approvals.push(ctx.approval);
            return ctx.approval ? true : { state: 'ACTION_PENDING', message: 'ready for production' };
          },
        }),
      ],
    }),
  });
  return { env, job, polls, approvals };
}

const diffs = (xs: number[]) => xs.slice(1).map((x, i) => x - (xs[i] as number));

describe('test harness: hours of polling in milliseconds', () => {
  it('runs 6 h of 30 s polls, skips flaky at 2 h, approves deploy when it asks, ends SUCCESS', async () => {
    const { env, job, polls, approvals } = scenario();
    env.at(hours(2), async () => {
      await job.skip(FLAKY, { actor: 'test', reason: 'known flake' });
    });

    const report = await env.run(job, { for: hours(6), approve: [DEPLOY] });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(report.done).toBe(true);
    expect(report.elapsedMs).toBe(hours(5.5));
    expect(env.elapsed()).toBe(hours(5.5));
    expect(job.started).toBe(false);

    // polls every 30 s of simulated time, from the start
    const build = polls[BUILD] ?? [];
    expect(build[0]).toBe(0);
    expect(build).toHaveLength(hours(5.5) / seconds(30) + 1);
    expect(new Set(diffs(build))).toEqual(new Set([seconds(30)]));

    // flaky: polled on schedule until 2 h, never after the skip
    const flaky = polls[FLAKY] ?? [];
    expect(new Set(diffs(flaky))).toEqual(new Set([seconds(30)]));
    expect(Math.max(...flaky)).toBeLessThanOrEqual(hours(2));
    expect(Math.max(...flaky)).toBeGreaterThanOrEqual(hours(2) - seconds(30));
    const skips = report.events.filter((e) => e.taskId === FLAKY && e.to === TaskState.SKIPPED);
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ cause: EventCause.OPERATOR, actor: 'test', reason: 'known flake' });
    expect(skips[0]?.time).toBe(env.startedAt + hours(2));

    // deploy: asked at 3 h, approved by 'test' at once, finished on the next poll
    const deploy = job.getTask(DEPLOY);
    expect(deploy.state).toBe(TaskState.SUCCESS);
    expect(deploy.approval).toMatchObject({ by: 'test', at: env.startedAt + hours(3) });
    expect(approvals).toEqual([undefined, expect.objectContaining({ by: 'test' })]);
    const approveEvents = report.events.filter((e) => e.taskId === DEPLOY && e.cause === EventCause.OPERATOR);
    expect(approveEvents).toHaveLength(1);
    expect(approveEvents[0]).toMatchObject({
      actor: 'test',
      from: TaskState.ACTION_PENDING,
      to: TaskState.RUNNING,
    });
    expect(Math.max(...(polls[DEPLOY] ?? []))).toBe(hours(3) + seconds(30));
  });

  it('stops at `for` when the root is not done, and reports so', async () => {
    const { env, job } = scenario();
    const report = await env.run(job, { for: hours(1) });
    expect(report).toMatchObject({ state: TaskState.RUNNING, done: false, elapsedMs: hours(1) });
    expect(report.ticks).toBeGreaterThanOrEqual(hours(1) / seconds(30));
    expect(job.started).toBe(false);
    expect(job.getTask(FLAKY).state).toBe(TaskState.RUNNING);
  });

  it('does not approve what it was not told to approve', async () => {
    const { env, job } = scenario();
    env.at(hours(1), async () => {
      await job.skip(FLAKY);
    });
    const report = await env.run(job, { for: hours(6), approve: [BUILD] });
    expect(report.done).toBe(false);
    expect(job.getTask(DEPLOY).state).toBe(TaskState.ACTION_PENDING);
    expect(job.getTask(DEPLOY).approval).toBeUndefined();
  });

  it('approve: a predicate, and a custom actor', async () => {
    const { env, job } = scenario();
    env.at(hours(1), async () => {
      await job.skip(FLAKY);
    });
    const report = await env.run(job, {
      for: hours(6),
      approve: (task) => task.name === 'deploy',
      actor: 'ci-bot',
    });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask(DEPLOY).approval?.by).toBe('ci-bot');
  });

  it('advance() fires due ticks and scripted actions at their simulated times', async () => {
    const { env, job, polls } = scenario();
    const seen: number[] = [];
    env.at(minutes(1), () => {
      seen.push(env.elapsed());
    });
    job.start();
    await env.advance(minutes(2));
    expect(seen).toEqual([minutes(1)]);
    expect(polls[BUILD]).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
    expect(env.elapsed()).toBe(minutes(2));
    await job.stop();
  });

  it('start() then advance(): the first poll happens at the start, not after the advance', async () => {
    const { env, job, polls } = scenario();
    job.start();
    await env.advance(minutes(1));
    expect(polls[BUILD]).toEqual([0, 30_000, 60_000]);
    await job.stop();
  });

  it('a poll that waits on the simulated clock takes simulated time, not real time', async () => {
    const env = createTestEnvironment();
    const sleep = (ms: number) => new Promise<void>((resolve) => env.clock.setTimeout(resolve, ms));
    const job = env.createJob({
      name: 'sleepy',
      pollIntervalMs: minutes(1),
      root: callbackTask({
        name: 'sleepy',
        poll: async () => {
          await sleep(seconds(5));
          await sleep(seconds(5));
          return env.elapsed() >= minutes(30)
            ? { state: 'SUCCESS', message: `done at ${env.elapsed()}` }
            : undefined;
        },
      }),
    });
    const report = await env.run(job, { for: hours(1) });
    expect(report.state).toBe(TaskState.SUCCESS);
    const root = job.snapshot().root;
    // polls start on the minute and each takes 10 s: the first to see 30 min starts at 30 min
    expect(root.message).toBe(`done at ${minutes(30) + seconds(10)}`);
    expect(root.finishedAt).toBe(env.startedAt + minutes(30) + seconds(10));
  });

  it('approves a task that was already waiting when run() began', async () => {
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'gate',
      root: callbackTask({
        name: 'gate',
        poll: (ctx): PollResult => (ctx.approval ? true : 'ACTION_PENDING'),
      }),
    });
    await job.tick();
    expect(job.snapshot().root.state).toBe(TaskState.ACTION_PENDING);
    const report = await env.run(job, { for: hours(1), approve: true });
    expect(report.state).toBe(TaskState.SUCCESS);
  });

  it('a scripted action that throws fails the test that scripted it', async () => {
    const { env, job } = scenario();
    env.at(minutes(1), async () => {
      await job.skip('release/no-such-task');
    });
    await expect(env.run(job, { for: hours(1) })).rejects.toMatchObject({ code: 'RNR_ERR_TASK_NOT_FOUND' });
  });

  it('an approve list naming no task of the job fails the run, naming the nearest id', async () => {
    const { env, job } = scenario();
    env.at(hours(2), async () => {
      await job.skip(FLAKY, { actor: 'test' });
    });
    await expect(env.run(job, { for: hours(8), approve: ['release/deplyo'] })).rejects.toThrow(
      'env.run: approve names no task of job "release": "release/deplyo" (did you mean release/deploy?)',
    );
  });

  it('an approve list may name tasks relative to the root', async () => {
    const { env, job } = scenario();
    env.at(hours(2), async () => {
      await job.skip(FLAKY, { actor: 'test' });
    });
    const report = await env.run(job, { for: hours(8), approve: ['deploy'] });
    expect(report.stateName).toBe('SUCCESS');
  });

  it('reports states by name, and the failed tasks with their messages', async () => {
    const env = createTestEnvironment();
    const job = env.createJob({
      name: 'fix',
      root: nestedTask({
        name: 'fix',
        children: [
          callbackTask({ name: 'ok', poll: () => true }),
          callbackTask({
            name: 'patch',
            poll: () => {
              throw new Error('patch rejected');
            },
          }),
        ],
      }),
    });
    const report = await env.run(job, { for: hours(1) });
    expect(report.stateName).toBe('FAILED');
    expect(report.failed).toEqual([{ id: 'fix/patch', message: 'patch rejected' }]);
    expect([...report.taskStates]).toEqual([
      ['fix', 'FAILED'],
      ['fix/ok', 'SUCCESS'],
      ['fix/patch', 'FAILED'],
    ]);
    // What a failing assertion on a name prints: the names, not the enum's numbers.
    expect(() => expect(report.stateName).toBe('SUCCESS')).toThrow("expected 'FAILED' to be 'SUCCESS'");
  });
});

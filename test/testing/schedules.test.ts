import { callbackTask, nestedTask, RunTrigger, TaskState, workflow } from 'rnr';
import { createTestEnvironment, days, hours, minutes } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const DAY = days(1);

/**
 * A nightly backup at 02:00 UTC: snapshot, then an upload that fails `failures[n - 1]` times in a
 * row on night n (a flaky object store), retried up to 3 tries in all, 10 then 20 minutes later.
 */
function nightlyBackup(failures: readonly number[], now: () => number) {
  const uploads: { run: number; attempt: number; at: number }[] = [];
  const wf = workflow({
    name: 'nightly-backup',
    input: z.object({ bucket: z.string() }),
    pollIntervalMs: minutes(1),
    schedules: [{ cron: '0 2 * * *', input: { bucket: 'backups-eu' } }],
    build: ({ bucket }, ctx) =>
      nestedTask({
        name: 'backup',
        children: [
          callbackTask({ name: 'snapshot', poll: () => ({ state: 'SUCCESS', message: 'snapshot taken' }) }),
          callbackTask({
            name: 'upload',
            retry: { attempts: 3, backoff: { initialMs: minutes(10) } },
            poll: (poll) => {
              uploads.push({ run: ctx.run.number, attempt: poll.task.attempt, at: now() });
              const failing = failures[ctx.run.number - 1] ?? 0;
              if (poll.task.attempt < failing)
                return { state: 'FAILED', message: `${bucket}: 503 Slow Down` };
              return { state: 'SUCCESS', message: `uploaded to ${bucket}` };
            },
          }),
        ],
      }),
  });
  return { wf, uploads };
}

describe('test harness: schedules on simulated time', () => {
  it('a week of nightly runs with a flaky step, asserted run by run', async () => {
    const env = createTestEnvironment(); // 2026-01-01T00:00Z
    const t0 = env.startedAt;
    //                    night: 1  2  3  4  5  6  7
    const { wf, uploads } = nightlyBackup([0, 1, 0, 3, 0, 2, 5], () => env.clock.now());
    await env.serve(wf);
    expect(env.runs.workflows()[0]?.schedules).toEqual([
      { cron: '0 2 * * *', timezone: 'UTC', overlap: 'skip', nextAt: t0 + hours(2) },
    ]);

    await env.advance(days(7));

    const runs = (await env.runs.list({ workflow: 'nightly-backup' })).jobs.reverse();
    expect(
      runs.map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        trigger: r.trigger,
        startedBy: r.startedBy,
        input: r.input,
        state: r.state,
      })),
    ).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((night) => ({
        id: `nightly-backup-${night + 1}`,
        createdAt: t0 + night * DAY + hours(2),
        trigger: RunTrigger.SCHEDULE,
        startedBy: 'schedule:0 2 * * *',
        input: { bucket: 'backups-eu' },
        // Night 4 fails 3 tries of 3 and night 7 five: FAILED; the others succeed, some on a retry.
        state: night === 3 || night === 6 ? TaskState.FAILED : TaskState.SUCCESS,
      })),
    );
    // Each night's tries: 10 minutes after the first failure, 20 after the second.
    const triesOf = (run: number) => uploads.filter((u) => u.run === run).map((u) => u.at - uploads[0]!.at);
    expect(triesOf(1)).toEqual([0]);
    expect(triesOf(2)).toEqual([DAY, DAY + minutes(10)]);
    expect(triesOf(4)).toEqual([3 * DAY, 3 * DAY + minutes(10), 3 * DAY + minutes(30)]);
    expect(triesOf(7)).toEqual([6 * DAY, 6 * DAY + minutes(10), 6 * DAY + minutes(30)]);
    const failed = await env.runs.task('nightly-backup-4', 'backup/upload');
    expect(failed).toMatchObject({
      state: TaskState.FAILED,
      message: 'attempt 3/3 failed, no retries left: backups-eu: 503 Slow Down',
    });

    const [schedule] = env.runs.workflows()[0]?.schedules ?? [];
    expect(schedule).toMatchObject({
      nextAt: t0 + 7 * DAY + hours(2),
      lastFire: { at: t0 + 6 * DAY + hours(2), outcome: 'started', run: 'nightly-backup-7' },
    });
  });

  it("overlap 'skip': a night whose last run is still unfinished starts nothing, and says why", async () => {
    const env = createTestEnvironment();
    const t0 = env.startedAt;
    const slow = workflow({
      name: 'reindex',
      pollIntervalMs: minutes(5),
      schedules: [{ cron: '0 2 * * *' }],
      // Night 1's run takes 30 hours: it is still running at 02:00 on night 2.
      build: (_input, ctx) =>
        callbackTask({
          name: 'reindex',
          poll: () => (ctx.run.number > 1 || env.elapsed() >= hours(32) ? true : { message: 'reindexing' }),
        }),
    });
    await env.serve(slow);

    await env.advance(DAY + hours(3)); // to 03:00 on night 2
    let runs = (await env.runs.list({ workflow: 'reindex' })).jobs;
    expect(runs.map((r) => [r.id, r.state])).toEqual([['reindex-1', TaskState.RUNNING]]);
    expect(env.runs.workflows()[0]?.schedules[0]?.lastFire).toEqual({
      at: t0 + DAY + hours(2),
      outcome: 'skipped',
      reason: 'run reindex-1, which this schedule started, is unfinished (overlap: skip)',
    });

    await env.advance(DAY); // night 3: reindex-1 ended at 08:00 on night 2
    runs = (await env.runs.list({ workflow: 'reindex' })).jobs;
    expect(runs.map((r) => [r.id, r.state, r.createdAt])).toEqual([
      ['reindex-2', TaskState.SUCCESS, t0 + 2 * DAY + hours(2)],
      ['reindex-1', TaskState.SUCCESS, t0 + hours(2)],
    ]);
  });

  it('a schedule input that fails the workflow validator is refused when served, naming schedule and issue', async () => {
    const env = createTestEnvironment();
    const { wf } = nightlyBackup([], () => env.clock.now());
    const bad = workflow({
      ...wf,
      name: 'bad-backup',
      schedules: [{ cron: '0 2 * * *', input: { bucket: 7 } }],
    });
    await expect(env.serve(bad)).rejects.toMatchObject({
      code: 'RNR_ERR_INVALID_INPUT',
      message: expect.stringMatching(/^workflow bad-backup: .*schedules\[0\]\.input: bucket: /),
      issues: [{ path: 'schedules[0].input.bucket', message: expect.any(String) }],
    });
  });
});

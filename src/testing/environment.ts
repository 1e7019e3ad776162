import { createJob } from '../create-job.js';
import { isDone, TaskState } from '../engine/task-state.js';
import type { Job, JobOptions, Task, TaskEvent } from '../engine/types.js';
import { settle, TestClock } from './test-clock.js';

/** Which ACTION_PENDING tasks {@link TestEnvironment.run} approves on its own. */
export type AutoApprove = boolean | readonly string[] | ((task: Task) => boolean);

/** Options of {@link TestEnvironment.run}. */
export interface RunOptions {
  /** Stop after this much simulated time even if the root is not DONE. Default 7 days. */
  for?: number;
  /** Approve ACTION_PENDING tasks as they appear: all (`true`), these ids, or those a predicate picks. */
  approve?: AutoApprove;
  /** The actor recorded on automatic approvals. Default `'test'`. */
  actor?: string;
}

/** What {@link TestEnvironment.run} saw. */
export interface RunReport {
  /** The root's state when the run ended. */
  state: TaskState;
  /** Simulated time the run took. */
  elapsedMs: number;
  /** Ticks fired. */
  ticks: number;
  /** Every event of the job recorded during the run. */
  events: TaskEvent[];
  /** True when the root reached DONE (false: `for` ran out). */
  done: boolean;
}

/**
 * A deterministic world for workflow tests: a simulated clock, jobs on it, scripted operator
 * actions at given times. Hours of 30-second polls run in milliseconds.
 *
 * @example
 * const env = createTestEnvironment();
 * const job = env.createJob({ name: 'upgrade', root, pollIntervalMs: 30_000 });
 * env.at(hours(2), () => job.skip('upgrade/zone-a/vm-3', { actor: 'test' }));
 * const report = await env.run(job, { for: hours(6), approve: true });
 * expect(report.state).toBe(TaskState.SUCCESS);
 */
export interface TestEnvironment {
  readonly clock: TestClock;
  /** The time the environment started (ms since the epoch); `at()` offsets count from it. */
  readonly startedAt: number;
  /** Simulated time since the environment started. */
  elapsed(): number;
  /** `createJob` with the environment's clock. */
  createJob(options: JobOptions): Job;
  /** Runs `action` when simulated time reaches `offsetMs` after the environment's start. */
  at(offsetMs: number, action: () => void | Promise<void>): void;
  /** Advances simulated time by `ms`, firing due ticks and scripted actions, awaiting their polls. */
  advance(ms: number): Promise<void>;
  /** Starts `job` and advances time until its root is DONE or `for` elapses, then stops it. */
  run(job: Job, options?: RunOptions): Promise<RunReport>;
}

/** The millisecond helpers tests read best with. */
export const seconds = (n: number): number => n * 1000;
/** `minutes(5)` = 300 000 ms. */
export const minutes = (n: number): number => n * 60_000;
/** `hours(6)` = 21 600 000 ms. */
export const hours = (n: number): number => n * 3_600_000;

/**
 * Creates a {@link TestEnvironment}: a {@link TestClock} starting at a fixed date, and helpers to
 * drive jobs on it.
 *
 * @example
 * const env = createTestEnvironment();
 */
export function createTestEnvironment(options: { start?: number } = {}): TestEnvironment {
  const clock = new TestClock(options.start);
  const startedAt = clock.now();
  const env: TestEnvironment = {
    clock,
    startedAt,
    elapsed: () => clock.now() - startedAt,
    createJob: (jobOptions) => createJob({ ...jobOptions, clock }),
    at(offsetMs, action) {
      clock.setTimeout(
        () => {
          void Promise.resolve()
            .then(action)
            .catch((err: unknown) => {
              // Surface a scripted action's failure: a test that scripts a bad action should see it.
              scriptErrors.push(err);
            });
        },
        Math.max(0, startedAt + offsetMs - clock.now()),
      );
    },
    advance: (ms) => clock.advance(ms).then(throwScriptErrors),
    async run(job, runOptions = {}) {
      const limit = runOptions.for ?? 7 * 24 * 3_600_000;
      const actor = runOptions.actor ?? 'test';
      const t0 = clock.now();
      const firstSeq = job.seq;
      const stop = t0 + limit;
      let ticks = 0;
      let seen = firstSeq;
      const waiting = new Set<string>();
      const approveMatching = () => {
        const approve = runOptions.approve;
        if (!approve) return;
        for (const e of job.events(seen)) {
          seen = e.seq;
          if (e.to === TaskState.ACTION_PENDING) waiting.add(e.taskId);
        }
        for (const id of waiting) {
          waiting.delete(id);
          if (!job.hasTask(id)) continue;
          const task = job.getTask(id, { depth: 0 });
          if (task.state !== TaskState.ACTION_PENDING) continue;
          const yes =
            approve === true ||
            (Array.isArray(approve)
              ? approve.includes(task.id)
              : typeof approve === 'function' && approve(task));
          if (yes) job.approve(task.id, { actor, reason: 'approved by the test environment' });
        }
      };
      // Tasks already waiting when the run begins (ticked by hand, resumed from a store) count too.
      if (job.summary().counts.ACTION_PENDING > 0) {
        const visit = (task: Task): void => {
          if (task.state === TaskState.ACTION_PENDING) waiting.add(task.id);
          task.children.forEach(visit);
        };
        visit(job.snapshot().root);
      }
      job.start();
      try {
        await settle();
        approveMatching();
        while (!isDone(job.summary().state) && clock.now() < stop) {
          const due = Math.min(clock.nextDue() ?? stop, stop);
          await clock.advanceTo(due);
          ticks++;
          throwScriptErrors();
          approveMatching();
        }
      } finally {
        await job.stop();
      }
      const state = job.summary().state;
      return { state, elapsedMs: clock.now() - t0, ticks, events: job.events(firstSeq), done: isDone(state) };
    },
  };
  const scriptErrors: unknown[] = [];
  function throwScriptErrors(): void {
    const err = scriptErrors.shift();
    if (err !== undefined) throw err;
  }
  return env;
}

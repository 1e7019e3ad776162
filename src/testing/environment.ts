import { createJob } from '../create-job.js';
import type { Store } from '../engine/store.js';
import { isDone } from '../engine/task-state.js';
import { type Job, type JobOptions, RunTrigger } from '../engine/types.js';
import type { AnyWorkflow } from '../engine/workflow.js';
import { createRunHost, type LocalRunHost } from '../runs/index.js';
import { memoryStore } from '../store/memory-store.js';
import { type AutoApprove, AutoApprover } from './auto-approve.js';
import { type RunReport, runReport } from './run-report.js';
import { settle, TestClock } from './test-clock.js';

/** Options of {@link TestEnvironment.run}. */
export interface RunOptions {
  /** Stop after this much simulated time even if the root is not DONE. Default 7 days. */
  for?: number;
  /**
   * Approve ACTION_PENDING tasks as they appear: all (`true`), these ids (as they are or relative
   * to the root; an id that names no task of the job fails the run), or those a predicate picks.
   */
  approve?: AutoApprove;
  /** The actor recorded on automatic approvals. Default `'test'`. */
  actor?: string;
}

/** Options of {@link TestEnvironment.startRun}. */
export interface StartRunOptions {
  /** The run's input, validated by the workflow (a refusal rejects `RNR_ERR_INVALID_INPUT`). */
  input?: unknown;
  /** Default `'test'`. */
  startedBy?: string;
  /** Default API. */
  trigger?: RunTrigger;
  idempotencyKey?: string;
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
 * expect(report.stateName).toBe('SUCCESS');
 */
export interface TestEnvironment {
  readonly clock: TestClock;
  /** The time the environment started (ms since the epoch); `at()` offsets count from it. */
  readonly startedAt: number;
  /** Simulated time since the environment started. */
  elapsed(): number;
  /** `createJob` with the environment's clock. */
  createJob(options: JobOptions): Job;
  /**
   * Starts a run of a workflow on the environment's clock, in the environment's store (a
   * `memoryStore()` unless `createTestEnvironment({ store })` gave one), and resolves with its Job
   * (not ticking yet: `env.run(job)` drives it). The input is validated first: a bad one rejects
   * with `RNR_ERR_INVALID_INPUT` listing each issue, and over the workflow's `concurrency` with
   * `RNR_ERR_CONFLICT`, starting nothing.
   */
  startRun(workflow: AnyWorkflow, options?: StartRunOptions): Promise<Job>;
  /** The environment's run host (its workflows, `list`, `cancel`, …), made on first use. */
  readonly runs: LocalRunHost;
  /**
   * Hosts workflows the way `rnr serve` does: their schedules fire on the simulated clock from
   * now on (each schedule's input is validated first: a bad one rejects `RNR_ERR_INVALID_INPUT`),
   * and the runs they start tick by themselves, so `advance(days(7))` runs a week of them. Read
   * the runs with `runs.list({ workflow })` and `runs.snapshot(id)`.
   */
  serve(...workflows: AnyWorkflow[]): Promise<void>;
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
/** `days(7)` = 604 800 000 ms. */
export const days = (n: number): number => n * 86_400_000;

/**
 * Creates a {@link TestEnvironment}: a {@link TestClock} starting at a fixed date, and helpers to
 * drive jobs on it.
 *
 * @example
 * const env = createTestEnvironment();
 */
export function createTestEnvironment(options: { start?: number; store?: Store } = {}): TestEnvironment {
  const clock = new TestClock(options.start);
  const startedAt = clock.now();
  let host: LocalRunHost | undefined;
  let watching = false;
  const runs = (): LocalRunHost => {
    host ??= createRunHost({
      store: options.store ?? memoryStore(),
      clock,
      keepFinished: true,
      autoStart: false,
      log: () => {},
    });
    return host;
  };
  const env: TestEnvironment = {
    clock,
    startedAt,
    elapsed: () => clock.now() - startedAt,
    createJob: (jobOptions) => createJob({ ...jobOptions, clock }),
    get runs() {
      return runs();
    },
    async startRun(wf, startOptions = {}) {
      const host = runs();
      if (host.workflow(wf.name) !== wf) host.catalog.add(wf);
      const { summary } = await host.start(wf.name, {
        input: startOptions.input,
        startedBy: startOptions.startedBy ?? 'test',
        trigger: startOptions.trigger ?? RunTrigger.API,
        ...(startOptions.idempotencyKey !== undefined && { idempotencyKey: startOptions.idempotencyKey }),
      });
      const job = host.live(summary.id) ?? (await host.resume(summary.id));
      await job.load();
      return job;
    },
    async serve(...workflows) {
      const host = runs();
      for (const wf of workflows) if (host.workflow(wf.name) !== wf) host.catalog.add(wf);
      // The environment's runs wait for env.run(job); scheduled ones tick as under rnr serve.
      if (!watching) {
        watching = true;
        host.watchLive({
          added(job) {
            if (job.summary().trigger !== RunTrigger.SCHEDULE || isDone(job.summary().state)) return;
            job.start().catch((err: unknown) => scriptErrors.push(err));
            // Under rnr serve a run that ends leaves memory; here it stays, so it stops ticking.
            const unsubscribe = job.subscribe(() => {
              if (!isDone(job.summary().state)) return;
              unsubscribe();
              void job.stop();
            });
          },
          removed() {},
        });
      }
      await host.startSchedules();
    },
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
      const stop = t0 + limit;
      let ticks = 0;
      // Tasks already waiting when the run begins (ticked by hand, resumed from a store) count too.
      await job.load();
      const approver = new AutoApprover(job, runOptions.approve, actor);
      const firstSeq = job.seq;
      await job.start();
      try {
        await settle();
        await approver.pass();
        while (!isDone(job.summary().state) && clock.now() < stop) {
          const due = Math.min(clock.nextDue() ?? stop, stop);
          await clock.advanceTo(due);
          ticks++;
          throwScriptErrors();
          await approver.pass();
        }
      } finally {
        await job.stop();
      }
      approver.checkListed();
      return await runReport(job, firstSeq, clock.now() - t0, ticks);
    },
  };
  const scriptErrors: unknown[] = [];
  function throwScriptErrors(): void {
    const err = scriptErrors.shift();
    if (err !== undefined) throw err;
  }
  return env;
}

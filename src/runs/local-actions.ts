import {
  isDone,
  type Job,
  type JobSummary,
  RnrError,
  type StoredRun,
  stateName,
  type Task,
  type TaskState,
} from '../index.js';
import type { LiveRuns } from './live-runs.js';
import { applyRunCommand } from './run-commands.js';
import type { CancelOptions, RunCommand } from './types.js';

/** What the direct actions need of their run host. */
export interface LocalActionHost {
  live: LiveRuns;
  /** The live Job of a run, loading a stored run of a hosted workflow. */
  jobFor(runId: string, why: string): Promise<Job>;
  stored(runId: string): Promise<StoredRun>;
  checkOpen(): void;
  unloadIfDone(job: Job): Promise<void>;
  keepFinished: boolean;
  autoStart: boolean;
}

/**
 * The operator actions a process applies to a run itself (one in its memory, or one it loads to
 * act on): the action through the engine, then the run leaves memory if it ended, or runs again if
 * an action reopened an ended run.
 */
export function localActions(host: LocalActionHost): {
  operateHere(runId: string, command: RunCommand): Promise<Task>;
  cancelHere(runId: string, options?: CancelOptions): Promise<JobSummary>;
  settle(job: Job, wasDone: boolean): void;
} {
  function settle(job: Job, wasDone: boolean): void {
    if (isDone(job.summary().state)) {
      if (!host.keepFinished) void host.unloadIfDone(job);
    } else if (wasDone && host.autoStart) job.start();
  }
  return {
    settle,
    async operateHere(runId, command) {
      host.checkOpen();
      const job = await host.jobFor(runId, 'act on it');
      const wasDone = isDone(job.summary().state);
      const task = await applyRunCommand(job, command);
      settle(job, wasDone);
      return task;
    },
    async cancelHere(runId, options = {}) {
      host.checkOpen();
      const known = host.live.get(runId);
      const ended = (state: TaskState) =>
        new RnrError(
          'RNR_ERR_CONFLICT',
          `run ${runId} has already ended ${stateName(state)}: nothing to cancel`,
        );
      if (!known) {
        const run = (await host.stored(runId)).run;
        if (isDone(run.state)) throw ended(run.state);
      }
      const job = known ?? (await host.jobFor(runId, 'cancel it'));
      if (isDone(job.summary().state)) throw ended(job.summary().state);
      const { idempotencyKey: _key, ...jobOptions } = options;
      await job.cancel(jobOptions);
      return job.summary();
    },
  };
}

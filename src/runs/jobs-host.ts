import { type Job, RnrError } from '../index.js';
import { pageOfSummaries } from './list-query.js';
import { applyRunCommand } from './run-commands.js';
import type { LiveRunWatcher, RunHost, RunStream } from './types.js';

/** Jobs made by the caller (`createServer({ jobs })`): a server's `JobRegistry` has this shape. */
export interface JobSource {
  get(id: string): Job | undefined;
  list(): Job[];
  watch(watcher: LiveRunWatcher): () => void;
}

/** Options of {@link jobsHost}. */
export interface JobsHostOptions {
  /** Why a start is refused (`RNR_ERR_CONFLICT`); without it, a start names no known workflow (404). */
  refuseStarts?: string;
}

/**
 * A run host over jobs the caller made and keeps (`createServer({ jobs })`, `rnr run` of a Job
 * export): no workflows, nothing read from a store but through the jobs themselves; the jobs are
 * the caller's to start, stop and close.
 */
export function jobsHost(jobs: JobSource, options: JobsHostOptions = {}): RunHost {
  const jobOf = (id: string): Job => {
    const job = jobs.get(id);
    if (!job) throw new RnrError('RNR_ERR_JOB_NOT_FOUND', `no job with id "${id}"`);
    return job;
  };
  return {
    description: 'jobs',
    workflows: () => [],
    workflow: () => undefined,
    async start(name) {
      if (options.refuseStarts !== undefined) throw new RnrError('RNR_ERR_CONFLICT', options.refuseStarts);
      throw new RnrError(
        'RNR_ERR_WORKFLOW_UNKNOWN',
        `no workflow named ${JSON.stringify(name)} here; this server serves jobs, not workflows`,
      );
    },
    list: async (query = {}) =>
      pageOfSummaries(
        jobs.list().map((job) => job.summary()),
        query,
      ),
    summary: async (id) => jobOf(id).summary(),
    snapshot: async (id) => jobOf(id).snapshot(),
    task: async (id, taskId, depth) => jobOf(id).getTask(taskId, depth === undefined ? {} : { depth }),
    machineChart: async (id, taskId) => jobOf(id).machineChart(taskId),
    events: async (id, since, limit) => jobOf(id).events(since, limit),
    async stream(id): Promise<RunStream> {
      const job = jobOf(id);
      return {
        id,
        get seq() {
          return job.seq;
        },
        events: async (since, limit) => job.events(since, limit),
        subscribe: (listener) => job.subscribe(listener),
      };
    },
    operate: async (id, command) => applyRunCommand(jobOf(id), command),
    async cancel(id, cancelOptions = {}) {
      const job = jobOf(id);
      await job.cancel(cancelOptions);
      return job.summary();
    },
    live: (id) => jobs.get(id),
    liveJobs: () => jobs.list(),
    watchLive: (watcher) => jobs.watch(watcher),
    close: async () => {},
  };
}

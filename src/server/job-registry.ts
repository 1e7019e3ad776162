import type { Job } from '../index.js';
import { RnrError } from '../index.js';

/** What a {@link JobRegistry} tells its watchers. */
export interface JobRegistryWatcher {
  added(job: Job): void;
  removed(job: Job): void;
}

/** The jobs a server exposes; it may grow and shrink while the server runs. */
export interface JobRegistry {
  /** Registers a job; throws `RNR_ERR_JOB_EXISTS` when its id is taken. */
  add(job: Job): void;
  /** Unregisters a job (it keeps running); returns whether it was registered. */
  remove(id: string): boolean;
  /** The job with that id, or undefined. */
  get(id: string): Job | undefined;
  /** Every registered job, in registration order. */
  list(): Job[];
  /** Calls `watcher.added` for every job now and later, `removed` on removal. Returns unwatch. */
  watch(watcher: JobRegistryWatcher): () => void;
}

/**
 * Makes a registry of jobs for {@link createServer}; add jobs to it at any time.
 *
 * @example
 * const jobs = createJobRegistry([upgrade]);
 * const app = createServer({ jobs });
 * jobs.add(migration); // served from now on
 */
export function createJobRegistry(initial: Iterable<Job> = []): JobRegistry {
  const jobs = new Map<string, Job>();
  const watchers = new Set<JobRegistryWatcher>();
  const registry: JobRegistry = {
    add(job) {
      if (jobs.has(job.id))
        throw new RnrError('RNR_ERR_JOB_EXISTS', `a job with id "${job.id}" is already registered`);
      jobs.set(job.id, job);
      for (const watcher of watchers) watcher.added(job);
    },
    remove(id) {
      const job = jobs.get(id);
      if (!job) return false;
      jobs.delete(id);
      for (const watcher of watchers) watcher.removed(job);
      return true;
    },
    get: (id) => jobs.get(id),
    list: () => [...jobs.values()],
    watch(watcher) {
      watchers.add(watcher);
      for (const job of jobs.values()) watcher.added(job);
      return () => watchers.delete(watcher);
    },
  };
  for (const job of initial) registry.add(job);
  return registry;
}

/** True when `value` looks like a {@link JobRegistry} rather than a list of jobs. */
export function isJobRegistry(value: unknown): value is JobRegistry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as JobRegistry).add === 'function' &&
    typeof (value as JobRegistry).watch === 'function'
  );
}

/** The job with that id, or `RNR_ERR_JOB_NOT_FOUND` naming it. */
export function requireJob(registry: JobRegistry, id: string): Job {
  const job = registry.get(id);
  if (!job) throw new RnrError('RNR_ERR_JOB_NOT_FOUND', `no job with id "${id}"`);
  return job;
}

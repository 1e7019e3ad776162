import { createJobWith } from './engine/job.js';
import type { Job, JobOptions } from './engine/types.js';
import { memoryStore } from './store/memory-store.js';

// The package's composition root for jobs: the engine knows the store port only, and this is
// where the default store (memory) is chosen, so the engine never imports a concrete store.

/**
 * Creates a job: a tree of tasks with its scheduler, event log and store (`memoryStore()` unless
 * `store` says otherwise). Throws an `RnrError` for invalid options (duplicate ids name both
 * tasks) before anything runs. A job whose id the store knows resumes where it was.
 *
 * @example
 * const job = createJob({
 *   name: 'upgrade fleet',
 *   root: nestedTask({ name: 'zones', children: zones.map(upgradeZone) }),
 *   pollIntervalMs: 30_000,
 * });
 * const state = await job.run();
 */
export function createJob(options: JobOptions): Job {
  return createJobWith(options, { store: memoryStore });
}

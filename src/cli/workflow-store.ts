import { RnrError } from '../errors.js';
import type { Job, Store } from '../index.js';
import { shellQuote } from './format.js';

/**
 * Checks that a loaded workflow's job keeps its state where it survives a restart, and says where
 * that is. `rnr run` hands a workflow function its store; a job that ignored it (or a prebuilt
 * Job, created before `rnr run` could hand it one) would keep its state in memory, and the next
 * `rnr run` would start over and forget every approval. Such a job is refused with
 * `RNR_ERR_WORKFLOW_INVALID` saying how to fix the file. A job on a durable store of its own
 * choosing (its own `sqliteStore(path)`) is accepted.
 *
 * @returns the description of the store the job uses (for the start line).
 */
export function checkJobStore(job: Job, file: string, prebuilt: boolean, given: Store | undefined): string {
  const where = job.storeDescription;
  if (!where.startsWith('memory')) return where;
  const fix = `export a function that passes rnr run's options to createJob: export default (options) => createJob({ name, root, ...options })`;
  const why = `its state would live in memory, so a restart would start it over and forget every approval`;
  const what = prebuilt
    ? `default-exports job ${JSON.stringify(job.id)}, created before rnr run could give it a store`
    : `created job ${JSON.stringify(job.id)} without the store rnr run passed it${given ? ` (${given.description})` : ''}`;
  throw new RnrError('RNR_ERR_WORKFLOW_INVALID', `workflow ${shellQuote(file)} ${what}: ${why}; ${fix}`);
}

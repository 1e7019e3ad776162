import { isRnrError, RnrError } from '../errors.js';
import { nearestIds } from '../nearest-ids.js';
import { printable } from './format.js';
import type { ApiClient } from './http-client.js';
import { flattenTasks } from './tree-format.js';

/**
 * Sends a request about one task of a job, as typed on the command line. The id is tried as it
 * is first; when the server knows no such task, the job's tree is fetched once and the id is read
 * as relative to the job's root (`production` for `rolling-upgrade/production`). When that does
 * not name a task either, the error lists the nearest ids. An unknown job lists the nearest job
 * ids. Nothing is sent twice unless the first request found nothing to act on.
 *
 * @example
 * await withTaskId(api, 'upgrade', 'production', (id) => api.getTask('upgrade', id));
 */
export async function withTaskId<T>(
  api: ApiClient,
  jobId: string,
  taskId: string,
  send: (id: string) => Promise<T>,
): Promise<T> {
  try {
    return await send(taskId);
  } catch (err) {
    if (isRnrError(err, 'RNR_ERR_JOB_NOT_FOUND')) throw await unknownJob(api, jobId, err);
    if (!isRnrError(err, 'RNR_ERR_TASK_NOT_FOUND')) throw err;
    const job = await api.getJob(jobId);
    const ids = flattenTasks(job.root).map((t) => t.id);
    const relative = `${job.root.id}/${taskId.replace(/^\/+/, '')}`;
    if (relative !== taskId && ids.includes(relative)) return send(relative);
    const near = nearestIds(taskId, ids);
    const hint = near.length
      ? `; did you mean ${near.map((id) => printable(id)).join(', ')}?`
      : `; \`rnr get ${printable(jobId)}\` lists its tasks`;
    throw new RnrError(
      'RNR_ERR_TASK_NOT_FOUND',
      `job ${printable(jobId)} has no task ${printable(taskId)}${hint}`,
      { cause: err },
    );
  }
}

/** Sends a request about a job, listing the nearest job ids when the server knows no such job. */
export async function withJobId<T>(api: ApiClient, jobId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isRnrError(err, 'RNR_ERR_JOB_NOT_FOUND')) throw await unknownJob(api, jobId, err);
    throw err;
  }
}

async function unknownJob(api: ApiClient, jobId: string, err: unknown): Promise<RnrError> {
  const jobs = await api.listJobs().catch(() => []);
  const near = nearestIds(
    jobId,
    jobs.map((j) => j.id),
  );
  const hint = near.length
    ? `; did you mean ${near.map((id) => printable(id)).join(', ')}?`
    : jobs.length
      ? `; it serves ${jobs
          .slice(0, 5)
          .map((j) => printable(j.id))
          .join(', ')}${jobs.length > 5 ? ', …' : ''}`
      : '; it serves no job';
  return new RnrError('RNR_ERR_JOB_NOT_FOUND', `${api.server} has no job ${printable(jobId)}${hint}`, {
    cause: err,
  });
}

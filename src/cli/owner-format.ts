// Who executes a run, in words: the OWNER column of `rnr ls` and the owner line of `rnr get`.
import type { ClusterProcessJson, JobJson, JobSummaryJson } from '../wire/json.js';
import { printable } from './format.js';

type Run = Pick<JobSummaryJson, 'owner' | 'workflow'> & { done: boolean };

/** `pid 4242@web-1` for a process GET /cluster lists, else the start of its id. */
function processName(id: string, processes: readonly ClusterProcessJson[] | undefined): string {
  const found = processes?.find((p) => p.id === id);
  return found ? `pid ${found.pid}@${printable(found.host)}` : `process ${printable(id.slice(0, 8))}`;
}

/**
 * The owner of a run for a table cell: the process (and epoch) while one executes it; for an
 * unfinished run that none does, whether a live process has its workflow (`waiting`: one will
 * take it within a renewal) or none does (`waiting for a process with workflow X`); '' when done.
 */
export function ownerText(run: Run, processes: readonly ClusterProcessJson[] | undefined): string {
  if (run.owner?.process)
    return `${processName(run.owner.process, processes)} (epoch ${run.owner.epoch ?? 0})`;
  if (run.done) return '';
  const workflow = run.workflow ?? '';
  if (processes && !processes.some((p) => p.workflows.includes(workflow)))
    return `waiting for a process with workflow ${printable(workflow)}`;
  return 'waiting for a process';
}

/** The owner line of `rnr get <run>`. */
export function ownerLine(job: JobJson, processes: readonly ClusterProcessJson[] | undefined): string {
  const done = ['SUCCESS', 'FAILED', 'SKIPPED'].includes(String(job.root?.state ?? ''));
  const text = ownerText({ ...job, done }, processes);
  if (text === '') return 'owner: none (finished)';
  return `owner: ${text}`;
}

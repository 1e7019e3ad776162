/**
 * The cluster as the view shows it: processes by a short id, their heartbeat's age and whether it
 * is stale, and who executes a run (the runs list's owner column, a run page's owner line).
 */
import type { ClusterProcessJson, JobSummaryJson } from '../../../wire/json.js';
import { isDoneName } from '../../../wire/names.js';

/**
 * A heartbeat older than this is marked stale: five renewals at the default 15 s lease (a process
 * renews every 2 s). PostgreSQL drops a process from the list once its heartbeat is a lease old,
 * so a stale one is about to lose its runs to the others.
 */
export const STALE_HEARTBEAT_MS = 10_000;

/** The first 8 characters of a process id (a UUID's first group), as `rnr ls` shortens it too. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** How old a heartbeat is at browser time `now`, read on the server's clock (`skew`), never < 0. */
export function heartbeatAge(
  process: Pick<ClusterProcessJson, 'heartbeatAt'>,
  now: number,
  skew: number,
): number {
  return Math.max(0, now + skew - process.heartbeatAt);
}

/** True when a process has not renewed its leases for {@link STALE_HEARTBEAT_MS}. */
export function isStale(
  process: Pick<ClusterProcessJson, 'heartbeatAt'>,
  now: number,
  skew: number,
): boolean {
  return heartbeatAge(process, now, skew) > STALE_HEARTBEAT_MS;
}

/** What the view reads of a run to say who executes it. */
export type OwnedRun = Pick<Partial<JobSummaryJson>, 'owner' | 'workflow' | 'state'>;

/** Who executes a run, in the view's words. */
export type OwnerView =
  | { kind: 'owned'; process: string; epoch: number; known?: ClusterProcessJson }
  | { kind: 'waiting'; reason: string }
  | { kind: 'finished' };

/**
 * Who executes `run`: nobody once it finished; else its owner (with the process `GET /cluster`
 * lists under that id, when it does); for an unfinished run nobody owns, why it waits — for a
 * process with room (one hosts its workflow and will take it within a renewal) or for a process
 * with its workflow at all (none of `processes` hosts it). `processes` undefined: not known yet.
 */
export function ownerOf(run: OwnedRun, processes: readonly ClusterProcessJson[] | undefined): OwnerView {
  if (isDoneName(run.state)) return { kind: 'finished' };
  const owner = run.owner;
  if (owner?.process) {
    const known = processes?.find((p) => p.id === owner.process);
    return known
      ? { kind: 'owned', process: owner.process, epoch: owner.epoch ?? 0, known }
      : { kind: 'owned', process: owner.process, epoch: owner.epoch ?? 0 };
  }
  const workflow = run.workflow ?? '';
  if (processes && workflow && !processes.some((p) => p.workflows.includes(workflow)))
    return { kind: 'waiting', reason: `waiting for a process with workflow ${workflow}` };
  return { kind: 'waiting', reason: 'waiting for a process' };
}

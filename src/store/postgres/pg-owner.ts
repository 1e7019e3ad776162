import { readlinkSync } from 'node:fs';
import { describeOwner, type JobOwner, newClaim, ownerAlive } from '../job-owner.js';
import { fromDb } from './text-codec.js';

/** Who this store instance is in the `processes` table (a fresh id per instance). */
export interface PgProcess extends JobOwner {
  /** `pid:[4026531836]`: pids are comparable only within one pid namespace (one container). */
  pidNamespace: string;
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** A new identity for a store instance; it counts as alive in this process until dropped. */
export function newProcess(): PgProcess {
  return { ...newClaim(Date.now()), pidNamespace: pidNamespace() };
}

/** The `processes` row of a run's owner, as {@link ownerAlive} reads it. */
export function processFromRow(row: Record<string, unknown>): PgProcess {
  return {
    token: String(row.owner_process),
    pid: Number(row.owner_pid),
    host: fromDb(row.owner_host),
    since: row.owned_since instanceof Date ? row.owned_since.getTime() : Date.now(),
    bootId: String(row.owner_boot_id ?? ''),
    procStart: String(row.owner_proc_start ?? ''),
    pidNamespace: String(row.owner_pid_namespace ?? ''),
  };
}

/**
 * Whether this process can tell that the owner is gone: only an owner on this machine (same host,
 * boot and pid namespace) can be checked — its pid gone, or reused by a process that started at
 * another time. Anything else may be alive and is respected (open with `takeOver` once it is gone).
 */
export function ownerGone(owner: PgProcess, self: PgProcess): boolean {
  const sameMachine =
    owner.host === self.host && owner.bootId === self.bootId && owner.pidNamespace === self.pidNamespace;
  return sameMachine && !ownerAlive(owner, self);
}

export { describeOwner };

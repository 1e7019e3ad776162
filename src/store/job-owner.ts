import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds a job's state: one row of the `owners` table. */
export interface JobOwner {
  pid: number;
  host: string;
  /** ms since the Unix epoch: when the claim was made. */
  since: number;
  /** Linux boot id ('' elsewhere): a different one means the owner's machine rebooted. */
  bootId: string;
  /** Start time of the owner process ('' where unknown): tells a reused pid from the owner. */
  procStart: string;
  /** Unique per store instance, so a process can tell its own claims from a dead namesake's. */
  token: string;
}

/** Tokens of the claims held by stores open in this process. */
const liveTokens = new Set<string>();

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or ''. */
function processStart(pid: number): string {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? '';
}

/** A fresh claim for this process; its token counts as live until {@link dropClaim}. */
export function newClaim(since: number): JobOwner {
  const claim: JobOwner = {
    pid: process.pid,
    host: hostname(),
    since,
    bootId: readOrEmpty('/proc/sys/kernel/random/boot_id'),
    procStart: processStart(process.pid),
    token: randomUUID(),
  };
  liveTokens.add(claim.token);
  return claim;
}

/** Forgets a claim made by {@link newClaim} (the store released it or closed). */
export function dropClaim(token: string): void {
  liveTokens.delete(token);
}

/**
 * Whether a recorded owner may still be running. Only owners on this host can be checked; one on
 * another host counts as alive (the operator must make sure it is gone and take over).
 */
export function ownerAlive(owner: JobOwner, self: JobOwner): boolean {
  if (owner.host !== self.host) return true;
  if (owner.bootId && self.bootId && owner.bootId !== self.bootId) return false;
  if (owner.pid === self.pid) {
    // Our pid: alive only if a store in this very process holds the claim (containers reuse pid 1).
    return liveTokens.has(owner.token);
  }
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as { code?: unknown }).code !== 'EPERM') return false;
  }
  const start = owner.procStart ? processStart(owner.pid) : '';
  return !(start && start !== owner.procStart);
}

/** `pid 123@host since 2026-…Z`: how an owner is named in errors. */
export function describeOwner(owner: JobOwner): string {
  return `pid ${owner.pid}@${owner.host} since ${new Date(owner.since).toISOString()}`;
}

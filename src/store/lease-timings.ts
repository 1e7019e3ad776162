import { RnrError } from '../errors.js';

// A run's lease and the timings that follow from it, apart from any store so that the CLI checks
// `--lease-ms` without loading a database driver. docs/cluster.md has the timeline.

/** The default lease of a run (ms). */
export const DEFAULT_LEASE_MS = 15_000;
/** The shortest lease `leaseMs` accepts: renewal every 2/15 of it must stay above a round trip. */
export const MIN_LEASE_MS = 1_000;
/** The longest lease `leaseMs` accepts (an hour: a dead process's runs wait that long). */
export const MAX_LEASE_MS = 3_600_000;

/** A lease length and what follows from it. */
export interface LeaseTimings {
  /** How long a renewal holds a run (the database's clock). */
  leaseMs: number;
  /** How often the process renews (2 s of a 15 s lease). */
  renewMs: number;
  /** How long after sending its last renewal a process goes on acting (10 s of a 15 s lease). */
  deadlineMs: number;
}

/** The renewal interval and the deadline of a lease: 2/15 and 10/15 of it. */
export function leaseTimings(leaseMs: number): LeaseTimings {
  return {
    leaseMs,
    renewMs: Math.max(50, Math.round((leaseMs * 2) / 15)),
    deadlineMs: Math.round((leaseMs * 10) / 15),
  };
}

/** Checks a lease length: an integer number of ms within [MIN_LEASE_MS, MAX_LEASE_MS]. */
export function checkLeaseMs(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_LEASE_MS || value > MAX_LEASE_MS) {
    const got = typeof value === 'number' ? String(value) : JSON.stringify(value);
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      `${what}: got ${got}, expected a whole number of milliseconds from ${MIN_LEASE_MS} to ${MAX_LEASE_MS} (default ${DEFAULT_LEASE_MS})`,
    );
  }
  return value;
}

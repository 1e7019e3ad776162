import { SCHEDULE_FIRES_KEPT } from '../engine/store.js';
import { describeValue, RnrError } from '../errors.js';

// What every store does alike for `claimScheduleFire`: checking its arguments, and (for the
// memory store) the claims themselves. SQLite and PostgreSQL keep them in a table whose primary
// key is (workflow, schedule, fire time), so the database decides who was first.

/** A claim's arguments, checked. */
export interface ScheduleFire {
  workflow: string;
  schedule: string;
  at: number;
}

function bad(what: string, value: unknown, expected: string): never {
  throw new RnrError(
    'RNR_ERR_INVALID_OPTION',
    `claimScheduleFire ${what}: got ${describeValue(value)}, expected ${expected}`,
  );
}

/** Checks the arguments of `claimScheduleFire`; throws `RNR_ERR_INVALID_OPTION`. */
export function checkScheduleFire(workflow: unknown, schedule: unknown, at: unknown): ScheduleFire {
  if (typeof workflow !== 'string' || workflow === '' || workflow.length > 200)
    bad('workflow', workflow, 'a workflow name');
  if (typeof schedule !== 'string' || schedule === '' || schedule.length > 1000)
    bad('schedule', schedule, "a schedule's key (1 to 1000 characters)");
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0)
    bad('at', at, 'a fire time in whole ms since the epoch');
  return { workflow, schedule, at };
}

/**
 * The claims of one process's memory, by the rule every store keeps: the first caller of a fire
 * time wins, and so does nobody for a time at or before one already claimed (a schedule's times
 * only move forward: a process that wakes late must not fire a time the others have passed, even
 * once its claim was pruned). The newest {@link SCHEDULE_FIRES_KEPT} per schedule are kept.
 *
 * @example
 * const claims = new MemoryScheduleClaims();
 * claims.claim({ workflow: 'nightly', schedule: '0 2 * * *', at: t }); // true, then false
 */
export class MemoryScheduleClaims {
  /** Fire times claimed, per workflow and schedule (a key no name can fake: NUL-joined). */
  private readonly claimed = new Map<string, Set<number>>();

  claim({ workflow, schedule, at }: ScheduleFire): boolean {
    const key = `${workflow}\u0000${schedule}`;
    let times = this.claimed.get(key);
    if (!times) {
      times = new Set();
      this.claimed.set(key, times);
    }
    for (const time of times) if (time >= at) return false;
    times.add(at);
    if (times.size > SCHEDULE_FIRES_KEPT) {
      const keep = [...times].sort((a, b) => b - a).slice(0, SCHEDULE_FIRES_KEPT);
      this.claimed.set(key, new Set(keep));
    }
    return true;
  }
}

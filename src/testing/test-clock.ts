import type { Clock } from '../engine/clock.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A simulated clock: time moves only when a test says so. Timers fire in time order (then in the
 * order they were set) as {@link TestClock.advance} passes them.
 *
 * @example
 * const clock = new TestClock();
 * const job = createJob({ name: 'drain', root, clock });
 * job.start();
 * await clock.advance(60_000); // one minute of ticks, in microseconds
 */
export class TestClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  private seed: number;

  /**
   * Starts at `start` ms since the epoch (default 2026-01-01T00:00:00Z, a fixed point for stable
   * tests); `seed` starts its {@link TestClock.random} sequence (the same seed, the same draws).
   */
  constructor(start = Date.UTC(2026, 0, 1), seed = 1) {
    this.time = start;
    this.seed = seed >>> 0;
  }

  /**
   * A repeatable random number in [0, 1) (mulberry32 from the seed): what a job on this clock draws
   * for the jitter of its retry backoffs. Assign `clock.random = () => 0.5` to pick the draws.
   */
  random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, Number(ms) || 0), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** The number of timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, or `undefined`. */
  nextDue(): number | undefined {
    let next: Timer | undefined;
    for (const t of this.timers.values())
      if (!next || t.at < next.at || (t.at === next.at && t.id < next.id)) next = t;
    return next?.at;
  }

  /**
   * Moves time forward by `ms`, firing each due timer at its own time and letting the promise jobs it
   * starts (polls, their awaits) run before the next one fires.
   */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }

  /** Moves time forward to `target` ms since the epoch (see {@link TestClock.advance}). */
  async advanceTo(target: number): Promise<void> {
    // Let work queued before the call run first (a job's start() ticks at once, in a microtask).
    await settle();
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers.values())
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.timers.delete(next.id);
      if (next.at > this.time) this.time = next.at;
      next.fn();
      await settle();
    }
    if (target > this.time) this.time = target;
    await settle();
  }
}

/**
 * Lets pending promise jobs and I/O callbacks run: a few turns of the event loop (real time is not
 * simulated time; this takes microseconds).
 */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

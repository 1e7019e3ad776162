/**
 * The source of time for a job. Engine code never reads `Date.now()` or the global timers: it asks
 * the clock, so tests can make hours pass in milliseconds. XState's `SimulatedClock` and rnr's
 * `TestClock` (from `rnr/testing`) both fit.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * A random number in [0, 1): the jitter of retry backoffs draws from it. Optional (default
   * `Math.random`); `TestClock` gives a seeded sequence, so tests are repeatable.
   */
  random?(): number;
}

/**
 * The wall clock: `Date.now()` and the global timers.
 *
 * @example
 * createJob({ name: 'upgrade', root, clock: systemClock });
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How {@link Coalesced} shares round trips. */
export interface CoalescedOptions {
  /** Round trips in flight at once (default 1). */
  inflight?: number;
  /** Calls one round trip carries at most (default: all that wait). */
  maxCalls?: number;
}

/**
 * Calls of one kind that share round trips: while `inflight` round trips are out, the calls that
 * come in wait and then go together in the next one. At rest a call goes out at once (no added
 * delay); under load a bounded number of round trips is in flight however many runs ask — so a
 * burst of runs ending together (each releasing its lease) or committing together does not fill
 * the connection pool, and an operator's commit does not queue behind a hundred others.
 */
export class Coalesced<K, R> {
  private waiting: { key: K; resolve(value: R): void; reject(err: unknown): void }[] = [];
  private out = 0;
  private readonly inflight: number;
  private readonly maxCalls: number;

  /** `run` does the round trip for a set of keys and returns each key's answer. */
  constructor(
    private readonly run: (keys: K[]) => Promise<(key: K) => R>,
    options: CoalescedOptions = {},
  ) {
    this.inflight = Math.max(1, options.inflight ?? 1);
    this.maxCalls = Math.max(1, options.maxCalls ?? Number.POSITIVE_INFINITY);
  }

  call(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.out < this.inflight) this.next();
    });
  }

  private next(): void {
    if (this.waiting.length === 0) return;
    const calls = this.waiting.length <= this.maxCalls ? this.waiting : this.waiting.slice(0, this.maxCalls);
    this.waiting = calls === this.waiting ? [] : this.waiting.slice(calls.length);
    this.out++;
    let round: Promise<(key: K) => R>;
    try {
      round = this.run(calls.map((c) => c.key));
    } catch (err) {
      round = Promise.reject(err);
    }
    round
      .then(
        (answer) => {
          for (const c of calls) c.resolve(answer(c.key));
        },
        (err: unknown) => {
          for (const c of calls) c.reject(err);
        },
      )
      .finally(() => {
        this.out--;
        this.next();
      });
  }
}

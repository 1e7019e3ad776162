/** How {@link Coalesced} shares round trips. */
export interface CoalescedOptions<K> {
  /** Round trips in flight at once (default 1). */
  inflight?: number;
  /** Calls one round trip carries at most (default: all that wait). */
  maxCalls?: number;
  /**
   * Calls with the same value never go in one round trip: the later ones wait, in order, for the
   * next. (Two commits of one run in one statement would share one fence.)
   */
  apart?: (key: K) => unknown;
  /**
   * When a round trip of several calls fails and this says so of its error (the server refused
   * something in it, rather than being out of reach), each call goes again alone, so that only the
   * one at fault fails.
   */
  alone?: (err: unknown) => boolean;
}

interface Call<K, R> {
  key: K;
  resolve(value: R): void;
  reject(err: unknown): void;
}

/**
 * Calls of one kind that share round trips: while `inflight` round trips are out, the calls that
 * come in wait and then go together in the next one. At rest a call goes out at once (no added
 * delay); under load a bounded number of round trips is in flight however many runs ask — so a
 * burst of runs ending together (each releasing its lease) or committing together does not fill
 * the connection pool, and an operator's commit does not queue behind a hundred others.
 */
export class Coalesced<K, R> {
  private waiting: Call<K, R>[] = [];
  private out = 0;
  private readonly inflight: number;
  private readonly maxCalls: number;
  private readonly apart: ((key: K) => unknown) | undefined;
  private readonly alone: ((err: unknown) => boolean) | undefined;

  /** `run` does the round trip for a set of keys and returns each key's answer. */
  constructor(
    private readonly run: (keys: K[]) => Promise<(key: K) => R>,
    options: CoalescedOptions<K> = {},
  ) {
    this.inflight = Math.max(1, options.inflight ?? 1);
    this.maxCalls = Math.max(1, options.maxCalls ?? Number.POSITIVE_INFINITY);
    this.apart = options.apart;
    this.alone = options.alone;
  }

  call(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.out < this.inflight) this.next();
    });
  }

  private next(): void {
    if (this.waiting.length === 0) return;
    const calls = this.take();
    this.out++;
    void this.round(calls).finally(() => {
      this.out--;
      this.next();
    });
  }

  /** One round trip for `calls`, each settled with its answer (or, failing alone, its own error). */
  private async round(calls: Call<K, R>[]): Promise<void> {
    let answer: (key: K) => R;
    try {
      answer = await this.run(calls.map((c) => c.key));
    } catch (err) {
      if (calls.length > 1 && this.alone?.(err)) {
        for (const call of calls) await this.round([call]);
      } else {
        for (const c of calls) c.reject(err);
      }
      return;
    }
    for (const c of calls) {
      try {
        c.resolve(answer(c.key));
      } catch (err) {
        c.reject(err);
      }
    }
  }

  /** The calls of the next round trip, taken from the waiting ones (the rest keep their order). */
  private take(): Call<K, R>[] {
    const apart = this.apart;
    if (apart === undefined) {
      const calls =
        this.waiting.length <= this.maxCalls ? this.waiting : this.waiting.slice(0, this.maxCalls);
      this.waiting = calls === this.waiting ? [] : this.waiting.slice(calls.length);
      return calls;
    }
    const calls: Call<K, R>[] = [];
    const rest: Call<K, R>[] = [];
    const taken = new Set<unknown>();
    for (const c of this.waiting) {
      const group = apart(c.key);
      if (calls.length < this.maxCalls && !taken.has(group)) {
        taken.add(group);
        calls.push(c);
      } else rest.push(c);
    }
    this.waiting = rest;
    return calls;
  }
}

import type { Store, StoreFeed, TaskEvent } from '../index.js';
import type { LiveRuns } from './live-runs.js';

/** Events read from the store per page while catching up. */
const PAGE = 500;

/** One run followed for this process's listeners. */
interface Followed {
  readonly listeners: Set<(event: TaskEvent) => void>;
  /** The seq of the last event handed on; undefined until the run's committed seq was read. */
  last: number | undefined;
  reading: boolean;
  /** Something arrived while reading: read again once done. */
  again: boolean;
  /** Detaches from the live job's events (when the run lives in this process). */
  unlisten: () => void;
}

/**
 * Each run's events for the listeners of this process, in seq order, without a gap or a double,
 * wherever the run lives: from the live job when it runs here (the fast path), and from the store
 * when it runs in another process — the store's notices (LISTEN/NOTIFY: `e <seq> <run>` after each
 * commit) say when to read, the events table by seq is the truth. It reads again after every
 * reconnect of the notices' connection, whenever an event arrives that does not follow the last
 * one (a change of owner, a run that came into or left this process), and on the host's backstop
 * poll. Used on stores that have a feed (PostgreSQL); elsewhere a run's events come from its job.
 */
export class RemoteEvents {
  private readonly runs = new Map<string, Followed>();
  private readonly unwatch: () => void;

  constructor(
    private readonly store: Store,
    private readonly feed: StoreFeed,
    private readonly live: LiveRuns,
    private readonly onError: (runId: string, err: unknown) => void,
  ) {
    this.unwatch = feed.watch({
      notice: (notice) => {
        if (notice.kind !== 'events') return;
        const run = this.runs.get(notice.runId);
        if (run && run.last !== undefined && notice.seq > run.last) this.catchUp(notice.runId, run);
      },
      connected: () => {
        for (const [runId, run] of this.runs) this.catchUp(runId, run);
      },
    });
  }

  /** Hears every event of the run committed from now on, in seq order. Returns unsubscribe. */
  subscribe(runId: string, listener: (event: TaskEvent) => void): () => void {
    let run = this.runs.get(runId);
    if (!run) {
      const followed: Followed = {
        listeners: new Set(),
        last: undefined,
        reading: false,
        again: false,
        unlisten: () => {},
      };
      followed.unlisten = this.live.listen(runId, (event) => this.fromLive(runId, followed, event));
      this.runs.set(runId, followed);
      run = followed;
      this.start(runId, followed);
    }
    run.listeners.add(listener);
    const followed = run;
    return () => {
      followed.listeners.delete(listener);
      if (followed.listeners.size > 0 || this.runs.get(runId) !== followed) return;
      followed.unlisten();
      this.runs.delete(runId);
    };
  }

  /** The backstop: reads the runs whose committed seq is past what was handed on. */
  async poll(): Promise<void> {
    if (this.runs.size === 0) return;
    const seqs = await this.feed.seqs([...this.runs.keys()]);
    for (const [runId, seq] of seqs) {
      const run = this.runs.get(runId);
      if (run && (run.last === undefined || seq > run.last)) this.catchUp(runId, run);
    }
  }

  close(): void {
    this.unwatch();
    for (const run of this.runs.values()) run.unlisten();
    this.runs.clear();
  }

  /** "From now on" is the committed seq when the first listener came. */
  private start(runId: string, run: Followed): void {
    this.feed.seqs([runId]).then(
      (seqs) => {
        if (run.last !== undefined) return;
        run.last = seqs.get(runId) ?? 0;
        this.catchUp(runId, run);
      },
      (err: unknown) => this.onError(runId, err), // the backstop poll starts it later
    );
  }

  private fromLive(runId: string, run: Followed, event: TaskEvent): void {
    if (run.last === undefined || event.seq <= run.last) return;
    if (event.seq === run.last + 1) this.emit(run, event);
    else this.catchUp(runId, run);
  }

  private emit(run: Followed, event: TaskEvent): void {
    run.last = event.seq;
    for (const listener of [...run.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onError(event.jobId, err);
      }
    }
  }

  private catchUp(runId: string, run: Followed): void {
    if (run.last === undefined) {
      if (!run.reading) this.start(runId, run);
      return;
    }
    if (run.reading) {
      run.again = true;
      return;
    }
    run.reading = true;
    void this.read(runId, run);
  }

  private async read(runId: string, run: Followed): Promise<void> {
    try {
      for (;;) {
        run.again = false;
        const events = await this.store.events(runId, run.last ?? 0, PAGE);
        if (this.runs.get(runId) !== run) return;
        for (const event of events) if (event.seq > (run.last ?? 0)) this.emit(run, event);
        if (events.length < PAGE && !run.again) return;
      }
    } catch (err) {
      this.onError(runId, err); // the next notice or the backstop poll reads again
    } finally {
      run.reading = false;
    }
  }
}

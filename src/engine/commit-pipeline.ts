import type { CommitBatch, Fence, RunRecord, Store, TaskRecord } from './store.js';
import type { TaskEvent } from './types.js';

/** What the pipeline needs of its job. */
export interface PipelineHost {
  readonly store: Store;
  /** The job's fence from `openRun` (undefined: the store does not fence). */
  fence(): Fence | undefined;
  /** The run's record as it stands now, with `seq` as given. */
  runRecord(seq: number): RunRecord;
  /** The changes recorded since the last batch was taken (the job's current event log). */
  pending(): PendingChanges;
  /** A commit failed: the job halts (called before the waiting callers learn of it). */
  failed(err: unknown): void;
  /** Logs an error of the engine's own (a listener that threw). */
  internalError(where: string, err: unknown): void;
}

/** Changes waiting for the next batch: an event log's outbox. */
export interface PendingChanges {
  readonly hasPending: boolean;
  /** Empties the outbox into a batch's parts. */
  take(): { tasks: TaskRecord[]; events: TaskEvent[]; seq: number };
}

/** What the engine last knows to be durable: the run's seq and each committed task's record. */
export class DurableImage {
  readonly records = new Map<string, TaskRecord>();

  constructor(
    public seq: number,
    records: readonly TaskRecord[],
  ) {
    for (const record of records) this.records.set(record.id, record);
  }

  /** Takes in a batch the store accepted. */
  apply(batch: CommitBatch): void {
    this.seq = batch.run.seq;
    for (const record of batch.tasks) this.records.set(record.id, record);
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody has to wait for a batch (a queued commit after a poll): its failure halts the job
  // (see PipelineHost.failed) and is not an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const resolved = Promise.resolve();

/** A rejected promise that is no unhandled rejection when its caller does not wait for it. */
function refusal(err: unknown): Promise<void> {
  const promise = Promise.reject(err);
  promise.catch(() => {});
  return promise;
}

/**
 * A job's commit path: batches go to the store one at a time, in seq order; changes made while a
 * batch is in flight wait for the next one. A batch's events are published (and its callers'
 * promises resolved) only once the store resolved its commit: commit before publish. A failed
 * commit fails its callers and those waiting behind it, and tells the job, which halts (see
 * docs/durability.md, "When a commit fails"); the pipeline then refuses commits until `resume()`.
 */
export class CommitPipeline {
  private inflight: Deferred | undefined;
  /** The callers waiting for the batch after the one in flight. */
  private next: Deferred | undefined;
  private refused: unknown;
  private readonly listeners = new Set<(event: TaskEvent) => void>();
  /** Committed events not yet delivered; a listener that acts on the job appends to it. */
  private delivery: TaskEvent[] = [];
  private delivering = false;

  constructor(
    private readonly host: PipelineHost,
    /** What is durable; replaced when the job reloads from its store. */
    public image: DurableImage,
  ) {}

  /** True while a batch is in flight or changes wait. */
  get busy(): boolean {
    return this.inflight !== undefined || this.host.pending().hasPending;
  }

  /**
   * Commits what is pending (now, or after the batch in flight) and resolves once it is durable
   * and published; with nothing pending, resolves once the batch in flight is. Rejects with the
   * store's error when that batch (or one before it) fails.
   */
  flush(): Promise<void> {
    if (this.refused !== undefined) return refusal(this.refused);
    const pending = this.host.pending().hasPending;
    if (this.inflight) {
      if (!pending) return this.inflight.promise;
      this.next ??= deferred();
      return this.next.promise;
    }
    if (!pending) return resolved;
    return this.start();
  }

  /** Accepts commits again after a failure (the job recovers). */
  resume(): void {
    this.refused = undefined;
  }

  /** Calls `listener` with every event once it is committed. Returns unsubscribe. */
  subscribe(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private start(): Promise<void> {
    const waiting = this.next ?? deferred();
    this.next = undefined;
    this.inflight = waiting;
    const { tasks, events, seq } = this.host.pending().take();
    const batch: CommitBatch = { run: this.host.runRecord(seq), tasks, events };
    const fence = this.host.fence();
    if (fence) batch.fence = fence;
    let written: Promise<void>;
    try {
      written = this.host.store.commit(batch);
    } catch (err) {
      written = Promise.reject(err);
    }
    written.then(
      () => this.committed(batch, waiting),
      (err: unknown) => this.failedWith(err, waiting),
    );
    return waiting.promise;
  }

  private committed(batch: CommitBatch, waiting: Deferred): void {
    this.inflight = undefined;
    this.image.apply(batch);
    // Publish first: a listener that acts on the job starts the next batch, after this one.
    this.publish(batch.events);
    waiting.resolve();
    if (this.inflight || this.refused !== undefined) return;
    if (this.host.pending().hasPending) void this.start();
    else if (this.next) {
      this.next.resolve();
      this.next = undefined;
    }
  }

  private failedWith(err: unknown, waiting: Deferred): void {
    this.inflight = undefined;
    const next = this.next;
    this.next = undefined;
    this.refused = err;
    this.host.failed(err);
    waiting.reject(err);
    next?.reject(err);
  }

  /**
   * Delivers events to listeners in seq order. Not re-entrant: when a listener acts on the job, the
   * events that action commits wait until the current ones have reached every listener.
   */
  private publish(events: readonly TaskEvent[]): void {
    if (this.listeners.size === 0) return;
    for (const event of events) this.delivery.push(event);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.delivery.length; i++) {
        const event = this.delivery[i] as TaskEvent;
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (err) {
            this.host.internalError('event listener', err);
          }
        }
      }
    } finally {
      this.delivery = [];
      this.delivering = false;
    }
  }
}

import type { Clock } from './clock.js';
import type { JobRecord, Store } from './store.js';
import type { TaskNode } from './task-node.js';
import type { TaskState } from './task-state.js';
import type { EventCause, TaskEvent } from './types.js';

/** Who and why, carried onto the event a change records. */
export interface EventMeta {
  actor?: string;
  reason?: string;
  action?: string;
}

/**
 * A job's event log in the making: events recorded since the last commit, the tasks they touched,
 * and the subscribers. `commit` writes the batch to the store first and publishes it only once the
 * store returned (commit before publish); a failed commit keeps the batch for the next one. This is
 * the one path from a change to the store and to subscribers.
 */
export class EventLog {
  private outbox: TaskEvent[] = [];
  private readonly changed = new Set<TaskNode>();
  private readonly listeners = new Set<(event: TaskEvent) => void>();
  /** Committed events not yet delivered; a listener that acts on the job appends to it. */
  private delivery: TaskEvent[] = [];
  private delivering = false;

  constructor(
    /** The job's durable identity; `seq` is this log's. */
    private readonly job: Omit<JobRecord, 'seq'>,
    private readonly store: Store,
    private readonly clock: Clock,
    /** The seq of the last recorded event. */
    public seq: number,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  /** Records a change of `node` (its state was `from`) as the next event. */
  record(node: TaskNode, from: TaskState, cause: EventCause, meta?: EventMeta): void {
    this.outbox.push({
      seq: ++this.seq,
      jobId: this.job.id,
      taskId: node.id,
      from,
      to: node.state,
      paused: node.paused,
      message: node.message,
      cause,
      actor: meta?.actor ?? '',
      reason: meta?.reason ?? '',
      time: this.clock.now(),
      action: meta?.action ?? '',
      attempt: node.attempt,
      parallelism: node.parallelism,
    });
    this.changed.add(node);
  }

  /** Marks a task's record for the next commit without an event (e.g. a machine snapshot). */
  touch(node: TaskNode): void {
    this.changed.add(node);
  }

  /** Calls `listener` with every event after it is committed. Returns unsubscribe. */
  subscribe(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Commits what is pending to the store, then publishes its events; throws if the store does. */
  commit(): void {
    if (this.outbox.length === 0 && this.changed.size === 0) return;
    const events = this.outbox;
    const nodes = [...this.changed];
    this.outbox = [];
    this.changed.clear();
    try {
      this.store.commit({
        job: { id: this.job.id, name: this.job.name, createdAt: this.job.createdAt, seq: this.seq },
        tasks: nodes.map((n) => n.toRecord()),
        events,
      });
    } catch (err) {
      // Keep the batch: nothing is published (or acknowledged) before it is durable.
      this.outbox = events.concat(this.outbox);
      for (const n of nodes) this.changed.add(n);
      throw err;
    }
    this.publish(events);
  }

  /**
   * Delivers events to listeners in seq order. Not re-entrant: when a listener acts on the job, the
   * events that action commits wait until the current ones have reached every listener.
   */
  private publish(events: TaskEvent[]): void {
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
            this.onListenerError(err);
          }
        }
      }
    } finally {
      this.delivery = [];
      this.delivering = false;
    }
  }
}

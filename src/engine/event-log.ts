import type { Clock } from './clock.js';
import type { PendingChanges } from './commit-pipeline.js';
import type { TaskRecord } from './store.js';
import type { TaskNode } from './task-node.js';
import type { TaskState } from './task-state.js';
import type { EventCause, TaskEvent } from './types.js';

/** Who and why, carried onto the event a change records. */
export interface EventMeta {
  actor?: string;
  reason?: string;
  action?: string;
}

/** How an event log hands its changes on: the job's commit pipeline. */
export interface LogSink {
  flush(): Promise<void>;
}

/**
 * A job's event log in the making: events recorded since the last batch was taken, and the tasks
 * they touched. `commit()` hands them to the job's commit pipeline (commit-pipeline.ts), the one
 * path to the store and then to subscribers. A log that belonged to a state the job rolled back
 * from (see job-core.ts) is dead: what stale callbacks record there is never committed.
 */
export class EventLog implements PendingChanges {
  private outbox: TaskEvent[] = [];
  private readonly changed = new Set<TaskNode>();
  private dead = false;

  constructor(
    private readonly jobId: string,
    private readonly sink: LogSink,
    private readonly clock: Clock,
    /** The seq of the last recorded event. */
    public seq: number,
  ) {}

  /** Records a change of `node` (its state was `from`) as the next event. */
  record(node: TaskNode, from: TaskState, cause: EventCause, meta?: EventMeta): void {
    const event: TaskEvent = {
      seq: ++this.seq,
      jobId: this.jobId,
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
    };
    if (node.retryAt !== undefined) event.retryAt = node.retryAt;
    this.outbox.push(event);
    this.changed.add(node);
  }

  /** Marks a task's record for the next commit without an event (e.g. a machine snapshot). */
  touch(node: TaskNode): void {
    this.changed.add(node);
  }

  get hasPending(): boolean {
    return !this.dead && (this.outbox.length > 0 || this.changed.size > 0);
  }

  /** Empties the outbox into a batch's parts (the pipeline calls it when a batch starts). */
  take(): { tasks: TaskRecord[]; events: TaskEvent[]; seq: number } {
    const events = this.outbox;
    const tasks: TaskRecord[] = [];
    for (const node of this.changed) tasks.push(node.toRecord());
    this.outbox = [];
    this.changed.clear();
    return { tasks, events, seq: this.seq };
  }

  /**
   * Commits what is pending; resolves once it is durable and its events published, rejects with the
   * store's error. A dead log's own changes are never committed: the pipeline takes the job's
   * current log, so a stale caller (a tick that outlived a rollback) learns only how it ended.
   */
  commit(): Promise<void> {
    return this.sink.flush();
  }

  /** Ends this log: the job rolled its state back, and nothing recorded here will be committed. */
  kill(): void {
    this.dead = true;
    this.outbox = [];
    this.changed.clear();
  }
}

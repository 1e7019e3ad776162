import type { Clock } from './clock.js';
import { EventLog, type LogSink } from './event-log.js';
import { OperatorVerbs } from './operator-verbs.js';
import { PollRunner, type PollsShared } from './poll-runner.js';
import { Scheduler } from './scheduler.js';
import type { TaskRecord } from './store.js';
import { StoredTasks } from './stored-tasks.js';
import { TaskActors } from './task-actors.js';
import { TaskIndex } from './task-index.js';
import type { TaskNode } from './task-node.js';
import { TaskTransitions } from './task-transitions.js';
import type { JobOptions, TaskSpec } from './types.js';

/** What a job's state needs of the job. */
export interface CoreHost {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  readonly pollIntervalMs: number;
  readonly inspect: JobOptions['inspect'];
  readonly sink: LogSink;
  readonly polls: PollsShared;
  /** The task with that id in the job's current state, or `RNR_ERR_TASK_NOT_FOUND`. */
  node(id: string): TaskNode;
  /** The job chart's timer fired. */
  tickDue(): void;
  /** False while no poll may start (see PollHost.mayPoll). */
  mayPoll(): boolean;
  internalError(where: string, err: unknown): void;
}

/**
 * A job's state in memory: its tasks (the index), the event log in the making, the actor tree, the
 * transition core, the scheduler, the poll runner and the operator verbs, wired together. The job
 * makes one when it is created; it takes over the store's records when the job loads, and
 * `activate()` then gives running tasks their actors. When a commit fails the job throws its state
 * away (`dispose()`) and builds a new one from what is durable (see docs/durability.md).
 */
export class JobCore {
  readonly stored: StoredTasks;
  readonly log: EventLog;
  readonly actors: TaskActors;
  readonly changes: TaskTransitions;
  readonly polls: PollRunner;
  readonly scheduler: Scheduler;
  readonly verbs: OperatorVerbs;
  private active = false;

  constructor(
    host: CoreHost,
    readonly index: TaskIndex,
    readonly root: TaskNode,
    seq: number,
  ) {
    this.stored = new StoredTasks(index);
    this.log = new EventLog(host.id, host.sink, host.clock, seq);
    this.actors = new TaskActors({
      jobId: host.id,
      clock: host.clock,
      inspect: host.inspect,
      pollIntervalMs: host.pollIntervalMs,
      root,
      index,
      tickDue: () => host.tickDue(),
    });
    this.changes = new TaskTransitions(
      {
        jobId: host.id,
        clock: host.clock,
        abortPoll: (node, reason) => this.polls.abort(node, reason),
        internalError: (where, err) => host.internalError(where, err),
      },
      this.log,
      this.actors,
    );
    this.polls = new PollRunner(
      {
        id: host.id,
        name: host.name,
        clock: host.clock,
        mayPoll: host.mayPoll,
        internalError: host.internalError,
      },
      this.changes,
      host.polls,
    );
    this.scheduler = new Scheduler(
      { id: host.id, name: host.name, clock: host.clock, index, stored: this.stored },
      this.changes,
      this.actors,
      this.polls,
    );
    this.verbs = new OperatorVerbs(
      { clock: host.clock, node: (id) => host.node(id) },
      this.changes,
      this.scheduler,
      this.polls,
    );
    this.changes.initCounters(root);
  }

  /** A job's state as its definition says (every task PENDING): the tree built from `spec`. */
  static fromSpec(host: CoreHost, spec: TaskSpec, builtAt: number, seq: number): JobCore {
    const index = new TaskIndex();
    return new JobCore(host, index, index.build(spec, undefined, builtAt), seq);
  }

  /**
   * Takes over a store's records (before `activate`): the tasks the workflow defines get their
   * stored state, the others wait for a children function to produce them. Returns the stored
   * tasks the workflow no longer defines.
   */
  restore(records: readonly TaskRecord[]): string[] {
    this.stored.apply(records);
    const counts = this.changes.counts;
    counts.fill(0);
    for (const node of this.index.byId.values()) node.resetCounters();
    this.changes.initCounters(this.root);
    return this.stored.orphans();
  }

  /** Gives the running tasks their actors (and machine tasks their machines). */
  activate(): void {
    if (this.active) return;
    this.active = true;
    this.changes.activate(this.root);
  }

  /** Aborts every poll in flight (their tasks stay RUNNING; a later tick polls them again). */
  abortPolls(reason: string): void {
    for (const node of this.changes.runningLeaves) if (node.inflight) this.polls.abort(node, reason);
  }

  /** Ends this state: polls aborted, machines and actors stopped, nothing more committed from it. */
  dispose(reason: string): void {
    this.log.kill();
    this.abortPolls(reason);
    this.actors.ticking(false);
    for (const node of this.changes.runningLeaves) {
      node.machine?.stop();
      node.machine = undefined;
    }
    this.actors.stop();
  }
}

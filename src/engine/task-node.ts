import type { AnyActorRef } from 'xstate';
import type { TaskRecord } from './store.js';
import { TaskState } from './task-state.js';
import type { Approval, TaskKind, TaskSpec } from './types.js';

/** A poll in flight: aborted and ignored when an operator changes the task meanwhile. */
export interface InflightPoll {
  controller: AbortController | undefined;
  timer: unknown;
  /** Resolves the tick's wait for this poll (result, timeout or abort, whichever first). */
  settle: () => void;
}

/** The engine-side driver of a machine task's user actor (see machine-task.ts). */
export interface MachineRunner {
  poll(): void;
  approve(by: string, reason: string): void;
  stop(): void;
  persisted(): unknown;
  status(): import('./types.js').MachineStatus;
}

/**
 * One task of a job. PENDING and DONE tasks are plain records; an active task also holds its actor
 * (`actor`: the task chart for a leaf, the nested chart for a nested task) in the job's actor tree.
 * Nested tasks keep counters of their children by scheduling group, so scheduling and settling cost
 * O(1) per change, whatever the job's size.
 */
export class TaskNode {
  state: TaskState = TaskState.PENDING;
  message = '';
  paused = false;
  attempt = 0;
  approval: Approval | undefined = undefined;
  startedAt: number | undefined = undefined;
  finishedAt: number | undefined = undefined;
  updatedAt: number;
  pollErrors = 0;
  /** ms since the epoch: a try that FAILED is tried again then (the task waits RUNNING, unpolled). */
  retryAt: number | undefined = undefined;
  /** ms since the epoch: after a tolerated poll error with a backoff, not polled before then. */
  pollAt = 0;
  stateSetByOperator = false;
  parallelism: number;
  parallelismSet = false;
  /** The task's actor while it is active (or, nested, holds active children; see task-actors.ts). */
  actor: AnyActorRef | undefined = undefined;
  inflight: InflightPoll | undefined = undefined;
  machine: MachineRunner | undefined = undefined;
  machineSnapshot: unknown = undefined;
  /** Nested: children, in order; `undefined` until a children function is resolved. */
  children: TaskNode[] | undefined;
  /** Nested: index of the first child that may still be PENDING. */
  cursor = 0;
  /** Nested: children in scheduling PENDING (paused ones included). */
  pendingCount = 0;
  runningCount = 0;
  failedCount = 0;
  /** Nested: children that have an actor (a child of this task's actor). */
  liveChildren = 0;
  /** Nested with a children function: resolve it again when the task next runs (after a retry). */
  resolveAgain = false;
  /** Position among the parent's children. */
  index = 0;

  constructor(
    readonly id: string,
    readonly spec: TaskSpec,
    readonly parent: TaskNode | undefined,
    public createdAt: number,
  ) {
    this.updatedAt = createdAt;
    this.parallelism = spec.kind === 1 ? spec.parallelism : 0;
    this.children = spec.kind === 1 && Array.isArray(spec.children) ? [] : undefined;
  }

  get kind(): TaskKind {
    return this.spec.kind;
  }

  get name(): string {
    return this.spec.name;
  }

  get isNested(): boolean {
    return this.spec.kind === 1;
  }

  /** The durable record of this task. */
  toRecord(): TaskRecord {
    const record: TaskRecord = {
      id: this.id,
      parentId: this.parent?.id ?? '',
      index: this.index,
      name: this.spec.name,
      kind: this.spec.kind,
      state: this.state,
      message: this.message,
      paused: this.paused,
      parallelism: this.parallelism,
      parallelismSet: this.parallelismSet,
      failFast: this.spec.kind === 1 && this.spec.failFast,
      attempt: this.attempt,
      labels: this.spec.labels ? { ...this.spec.labels } : {},
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      pollErrors: this.pollErrors,
      stateSetByOperator: this.stateSetByOperator,
    };
    if (this.approval) record.approval = { ...this.approval };
    if (this.startedAt !== undefined) record.startedAt = this.startedAt;
    if (this.finishedAt !== undefined) record.finishedAt = this.finishedAt;
    if (this.retryAt !== undefined) record.retryAt = this.retryAt;
    // A live machine persists its snapshot when a commit asks (once per commit, not per step).
    const machineSnapshot = this.machine ? this.machine.persisted() : this.machineSnapshot;
    if (machineSnapshot !== undefined) record.machineSnapshot = machineSnapshot;
    return record;
  }

  /** Takes over what a store remembered of this task. */
  restore(record: TaskRecord): void {
    this.createdAt = record.createdAt;
    this.state = record.state;
    this.message = record.message;
    this.paused = record.paused;
    this.attempt = record.attempt;
    this.approval = record.approval;
    this.startedAt = record.startedAt;
    this.finishedAt = record.finishedAt;
    this.updatedAt = record.updatedAt;
    this.pollErrors = record.pollErrors;
    const retryAt = record.retryAt;
    this.retryAt =
      typeof retryAt === 'number' && Number.isFinite(retryAt) && retryAt > 0 ? retryAt : undefined;
    this.stateSetByOperator = record.stateSetByOperator;
    this.machineSnapshot = record.machineSnapshot;
    if (this.isNested && record.parallelismSet) {
      this.parallelism = record.parallelism;
      this.parallelismSet = true;
    }
  }

  /** Forgets the counts of its children (they are counted again from their records). */
  resetCounters(): void {
    this.cursor = 0;
    this.pendingCount = 0;
    this.runningCount = 0;
    this.failedCount = 0;
  }
}

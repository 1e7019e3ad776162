import type { TaskState, TaskStateName } from './task-state.js';

// The proto3 messages of rnr (proto3/rnr.proto) as plain TypeScript objects: what the engine
// returns, records and stores. The store port (store.ts) depends on these and nothing else of
// the engine's API, so the API's types (types.ts) can name the store without a cycle.

/** What drives a task (proto `TaskKind`). */
export enum TaskKind {
  CALLBACK = 0,
  NESTED = 1,
  MACHINE = 2,
}

/** Why an event happened (proto `EventCause`). */
export enum EventCause {
  POLL = 0,
  SCHEDULER = 1,
  OPERATOR = 2,
  SYSTEM = 3,
}

/** What started a run (proto `RunTrigger`). */
export enum RunTrigger {
  TRIGGER_UNSPECIFIED = 0,
  CLI = 1,
  API = 2,
  SCHEDULE = 3,
}

/**
 * Why a job stopped acting (proto `JobHalt`): its store refused a commit. `RNR_ERR_STORE_IO` and
 * the like halt it until a commit succeeds again (it retries by itself at `retryAt`);
 * `RNR_ERR_LEASE_LOST` ends it for good (another process owns the run now).
 */
export interface JobHalt {
  /** The store's error code, e.g. `RNR_ERR_STORE_IO`. */
  code: string;
  message: string;
  /** ms since the Unix epoch: when the job halted. */
  since: number;
  /** ms since the Unix epoch: the next attempt to recover (absent when it will not retry). */
  retryAt?: number;
}

/** The run a job is: which workflow, which number, started how and by whom. */
export interface RunFields {
  /** The workflow this job is a run of (a job created without one: its own id). */
  workflow: string;
  /** The run's number within its workflow. */
  run: number;
  /** The run's input (a JSON object; `{}` when none). */
  input: Record<string, unknown>;
  trigger: RunTrigger;
  /** Who started the run ('' when nobody said). */
  startedBy: string;
  /** The run's labels (its workflow's). */
  labels: Record<string, string>;
}

/** An operator's approval of an ACTION_PENDING task. */
export interface Approval {
  by: string;
  /** ms since the Unix epoch. */
  at: number;
  reason?: string;
}

/** The live state of a machine task's own statechart. */
export interface MachineStatus {
  machineId: string;
  /** The active state value, JSON-encoded. */
  value: string;
  /** Dotted paths of the active state nodes. */
  active: string[];
  /** XState snapshot status: active, done, error, stopped. */
  status: string;
}

/** One task, as the `Task` message of the proto (a plain object). */
export interface Task {
  id: string;
  name: string;
  kind: TaskKind;
  state: TaskState;
  /** The last human-readable status line. */
  message: string;
  paused: boolean;
  /** Nested tasks: how many children may run at once. 0 for leaves. */
  parallelism: number;
  /** Nested tasks: whether a failed child stops new children from starting. */
  failFast: boolean;
  children: Task[];
  /** 0, then +1 per retry. */
  attempt: number;
  /**
   * ms since the epoch: a try FAILED and the task (RUNNING, not polled) tries again then, as
   * attempt + 1. Absent when no retry is pending.
   */
  retryAt?: number;
  /** The task's `retry.attempts` (tries in all, the first included); absent without that option. */
  maxAttempts?: number;
  approval?: Approval;
  labels: Record<string, string>;
  /** '' for the root. */
  parentId: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt: number;
  machine?: MachineStatus;
}

/** A job, as the `Job` message of the proto (a plain object). */
export interface JobSnapshot extends RunFields {
  id: string;
  name: string;
  root: Task;
  createdAt: number;
  /** The seq of the last recorded event (0 before any). */
  seq: number;
  /** Present while the job is halted: its store refused a commit (see {@link JobHalt}). */
  halted?: JobHalt;
  /** Present while a process owns (executes) the run (as in {@link JobSummary}). */
  owner?: RunOwner;
}

/** A job's headline figures, as the `JobSummary` message. */
export interface JobSummary extends RunFields {
  id: string;
  name: string;
  /** The root task's state. */
  state: TaskState;
  /** Tasks per state name; every name present. */
  counts: Record<TaskStateName, number>;
  createdAt: number;
  total: number;
  seq: number;
  startedAt?: number;
  finishedAt?: number;
  /** Present while the job is halted: its store refused a commit (see {@link JobHalt}). */
  halted?: JobHalt;
  /** Present while a process owns (executes) the run: which one, and in which epoch. */
  owner?: RunOwner;
}

/** The process that executes a run and the epoch it owns it in (the `RunOwner` message). */
export interface RunOwner {
  /** The process's id in the store (`GET /cluster`). */
  process: string;
  /** Grows with every change of owner. */
  epoch: number;
}

/** One recorded change, as the `TaskEvent` message. */
export interface TaskEvent {
  /** Per job, strictly increasing from 1, never reused. */
  seq: number;
  jobId: string;
  taskId: string;
  from: TaskState;
  to: TaskState;
  paused: boolean;
  message: string;
  cause: EventCause;
  /** Who: the operator's name for OPERATOR events, else '' (or 'rnr'). */
  actor: string;
  reason: string;
  /** ms since the Unix epoch. */
  time: number;
  /** OPERATOR events: state | retry | skip | approve | pause | resume | parallelism. */
  action: string;
  attempt: number;
  /** The task's pending automatic retry after the event (ms since the epoch); absent when none. */
  retryAt?: number;
  /** Nested tasks: the parallelism after the event. */
  parallelism: number;
}

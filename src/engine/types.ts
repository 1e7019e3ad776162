import type { AnyStateMachine, InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import type { Store } from './store.js';
import type { TaskState, TaskStateName } from './task-state.js';

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
export interface JobSnapshot {
  id: string;
  name: string;
  root: Task;
  createdAt: number;
  /** The seq of the last recorded event (0 before any). */
  seq: number;
}

/** A job's headline figures, as the `JobSummary` message. */
export interface JobSummary {
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
  /** Nested tasks: the parallelism after the event. */
  parallelism: number;
}

/** What a poll callback sees. */
export interface PollContext {
  task: { id: string; name: string; state: TaskState; message: string; attempt: number };
  job: { id: string; name: string };
  /** Aborted when an operator changes the task mid-poll, or the job stops. */
  signal: AbortSignal;
  /** Set once an operator approved the task (per attempt). */
  approval: Approval | undefined;
  /** Records a line on the task's message without changing its state. */
  log(line: string): void;
}

/**
 * What a poll may return: `undefined`/`false` (no change), `true` (SUCCESS), a TaskState or its
 * name, or `{ state?, message? }`.
 */
export type PollResult =
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a poll that returns nothing (void) means "no change".
  | void
  | boolean
  | TaskState
  | TaskStateName
  | { state?: TaskState | TaskStateName; message?: string };

/** A poll callback, sync or async. */
export type PollFn = (ctx: PollContext) => PollResult | Promise<PollResult>;

/** What a nested task's children function sees. */
export interface ChildrenContext {
  task: { id: string; name: string; attempt: number };
  job: { id: string; name: string };
}

/** The children of a nested task: a list, or a function resolved when the task starts. */
export type ChildrenSource =
  | readonly TaskSpec[]
  | ((ctx: ChildrenContext) => readonly TaskSpec[] | Promise<readonly TaskSpec[]>);

interface SpecBase {
  readonly id?: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A callback task's definition (from {@link callbackTask}). */
export interface CallbackTaskSpec extends SpecBase {
  readonly kind: TaskKind.CALLBACK;
  readonly poll: PollFn;
  readonly retries: number;
  readonly pollTimeoutMs?: number;
}

/** A nested task's definition (from {@link nestedTask}). */
export interface NestedTaskSpec extends SpecBase {
  readonly kind: TaskKind.NESTED;
  readonly children: ChildrenSource;
  readonly parallelism: number;
  readonly failFast: boolean;
}

/** A machine task's definition (from {@link machineTask}). */
export interface MachineTaskSpec extends SpecBase {
  readonly kind: TaskKind.MACHINE;
  readonly machine: AnyStateMachine;
  readonly input?: unknown;
}

/** A task definition, made by `callbackTask`, `nestedTask` or `machineTask`. */
export type TaskSpec = CallbackTaskSpec | NestedTaskSpec | MachineTaskSpec;

/** Who acts and why; every operator method takes these. */
export interface OperatorOptions {
  /** Who: a user name, a CLI's `--as`, the API's `X-Rnr-Actor`. Default `'anonymous'`. */
  actor?: string;
  reason?: string;
}

/** Options of {@link Job.setTaskState}. */
export interface SetStateOptions extends OperatorOptions {
  message?: string;
}

/** Options of `createJob`. */
export interface JobOptions {
  /** Stable across restarts; a store that knows it resumes the job. Default: a slug of the name. */
  id?: string;
  name: string;
  root: TaskSpec;
  /** Default 5000. */
  pollIntervalMs?: number;
  /** Default `memoryStore()`. */
  store?: Store;
  /** Default the system clock. */
  clock?: Clock;
  /**
   * XState's inspection observer, given to every actor the job creates (task actors, the ticker,
   * machine tasks' own machines): e.g. `createWebSocketInspector().inspect.next` from
   * `@statelyai/inspect`, which `rnr run --inspect` passes. Default none.
   */
  inspect?: (event: InspectionEvent) => void;
}

/** Reported for every finished poll (for metrics). */
export interface PollObservation {
  jobId: string;
  taskId: string;
  durationMs: number;
  error: boolean;
}

/** Options of {@link Job.getTask}. */
export interface GetTaskOptions {
  /** How many levels of children to include; default all. 0: none. */
  depth?: number;
}

/** A running (or runnable) job: the engine's handle on one tree of tasks. */
export interface Job {
  readonly id: string;
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  /** The seq of the last recorded event. */
  readonly seq: number;
  /** True between `start()` and `stop()`. */
  readonly started: boolean;
  /**
   * Where the job's state lives: its store's `description` (`memory`, `sqlite:/var/lib/rnr/rnr.db`).
   * `rnr run` reports it, and refuses a job whose state would live in memory.
   */
  readonly storeDescription: string;
  /** Whether this job resumed state from its store, and from which seq. */
  readonly resumed: { fromSeq: number; orphans: string[] } | undefined;

  /** One poll round; resolves when the polls it started have settled. */
  tick(): Promise<void>;
  /** Ticks every `pollIntervalMs` on the job's clock. */
  start(): void;
  /**
   * Stops ticking and aborts polls in flight: their signals abort, their results are discarded, and
   * those tasks stay RUNNING, polled again after the next start. Does not wait for the user's code;
   * see {@link Job.drain}.
   */
  stop(): Promise<void>;
  /**
   * Resolves once every poll promise started so far has settled (results of aborted polls are
   * ignored). After `stop()`, this is "the user's code is done" for a clean exit; a poll that
   * ignores its signal holds it, so bound the wait (`rnr run --stop-timeout`).
   */
  drain(): Promise<void>;
  /** Starts the job and resolves with the root's state once the root is DONE. */
  run(): Promise<TaskState>;
  /** The whole job as a `Job` message. */
  snapshot(): JobSnapshot;
  /** Counts and root state, without walking the tree. */
  summary(): JobSummary;
  /** One task (with its children, to `depth`); throws `RNR_ERR_TASK_NOT_FOUND`. */
  getTask(id: string, options?: GetTaskOptions): Task;
  /** True when the job has a task with that id. */
  hasTask(id: string): boolean;
  /**
   * A machine task's own statechart as `machine.toJSON()` (for drawing; plain JSON). Throws
   * `RNR_ERR_TASK_NOT_FOUND`, or `RNR_ERR_NOT_MACHINE` for other kinds of task.
   */
  machineChart(id: string): unknown;

  setTaskState(id: string, state: TaskState | TaskStateName, options?: SetStateOptions): Task;
  retry(id: string, options?: OperatorOptions): Task;
  skip(id: string, options?: OperatorOptions): Task;
  approve(id: string, options?: OperatorOptions): Task;
  pause(id: string, options?: OperatorOptions): Task;
  resume(id: string, options?: OperatorOptions): Task;
  setParallelism(id: string, parallelism: number, options?: OperatorOptions): Task;

  /** Every event, in seq order, after it is committed to the store. Returns unsubscribe. */
  subscribe(listener: (event: TaskEvent) => void): () => void;
  /** Recorded events with seq > since (default 0), at most `limit`. */
  events(since?: number, limit?: number): TaskEvent[];
  /** Observes every finished poll (metrics). Returns unsubscribe. */
  observePolls(listener: (poll: PollObservation) => void): () => void;
  /** Stops the job (without waiting for polls) and releases it in its store; the store stays open. */
  close(): Promise<void>;
}

import type { AnyStateMachine, InspectionEvent } from 'xstate';
import type { Clock } from './clock.js';
import type {
  Approval,
  JobHalt,
  JobSnapshot,
  JobSummary,
  RunTrigger,
  Task,
  TaskEvent,
  TaskKind,
} from './messages.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Store } from './store.js';
import type { TaskState, TaskStateName } from './task-state.js';

export type {
  Approval,
  JobHalt,
  JobSnapshot,
  JobSummary,
  MachineStatus,
  RunFields,
  RunOwner,
  Task,
  TaskEvent,
} from './messages.js';
export { EventCause, RunTrigger, TaskKind } from './messages.js';

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
  /** Automatic retries of a try that FAILED (docs/engine.md, "Automatic retries"). */
  readonly retry?: RetryPolicy;
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
  /** Automatic retries (a fresh actor) of a machine that ended in error. */
  readonly retry?: RetryPolicy;
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
  /**
   * The run this job is: its workflow and number (a `RunRecord` from `store.createRun` fits), and
   * how and by whom it was started. `snapshot()` and `summary()` carry these; the id defaults to
   * `<workflow>-<run>`. Without it, a job is run 1 of a workflow named as its id.
   */
  run?: RunOption;
}

/** The `run` option of `createJob`: a run's identity (a `RunRecord` fits). */
export interface RunOption {
  workflow: string;
  run: number;
  input?: Record<string, unknown>;
  trigger?: RunTrigger;
  startedBy?: string;
  labels?: Record<string, string>;
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
  /**
   * Whether this job resumed state from its store, and from which seq: known once it has loaded
   * (see {@link Job.load}); undefined for a new job.
   */
  readonly resumed: { fromSeq: number; orphans: string[] } | undefined;
  /** True once the job has loaded its state from its store. */
  readonly loaded: boolean;
  /**
   * Present while the job is halted because its store refused a commit: it neither ticks nor polls
   * nor accepts operator actions, and retries on its own clock until a commit succeeds (then it
   * carries on where its last durable state was). `RNR_ERR_LEASE_LOST` halts it for good.
   */
  readonly halted: JobHalt | undefined;

  /**
   * Claims the job in its store and loads its state (a job its store knows resumes). The first
   * `tick`, `start` or `run` (and any operator action) loads the job; call this to load it
   * earlier, e.g. to read `resumed` or to learn of `RNR_ERR_JOB_LOCKED` at once. Before the load,
   * reads show the job as defined (every task PENDING, seq 0). Resolves at once when loaded.
   */
  load(): Promise<void>;
  /** One poll round; resolves when the polls it started have settled. */
  tick(): Promise<void>;
  /**
   * Ticks every `pollIntervalMs` on the job's clock, once loaded. Resolves once the job has loaded
   * and ticks; rejects (and logs) when the load fails.
   */
  start(): Promise<void>;
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

  // Operator actions: each records one OPERATOR event (with `actor`, default 'anonymous', and
  // `reason`), also when nothing changed. Bad input throws at once (RNR_ERR_TASK_NOT_FOUND,
  // RNR_ERR_INVALID_STATE, RNR_ERR_JOB_CLOSED…); otherwise the change is made in memory at once and
  // the promise resolves with the task (without children) once it is durable. It rejects with the
  // store's error (RNR_ERR_STORE_IO) when the commit fails, or at once while the job is halted;
  // the action then changed nothing. Before the job has loaded, the action waits for the load.

  /**
   * Sets a task to any state, from any state (an operator's word wins). A poll in flight is
   * aborted and its result discarded; the poll-error count starts again; `message` replaces the
   * status line. DONE ancestors the scheduler settled reopen when the change no longer fits them.
   *
   * @example
   * await job.setTaskState('fleet/zone-a/vm-3', 'SKIPPED', { actor: 'alice', reason: 'decommissioned' });
   */
  setTaskState(id: string, state: TaskState | TaskStateName, options?: SetStateOptions): Promise<Task>;
  /**
   * Tries a task again: PENDING, `attempt` + 1, a fresh status line, no approval, no poll errors.
   * A nested task with a children function resolves it again when it restarts (children that exist
   * keep their state). Its parent starts it again under its parallelism.
   */
  retry(id: string, options?: OperatorOptions): Promise<Task>;
  /** Marks a task SKIPPED (it counts as done for its parent); a poll in flight is aborted. */
  skip(id: string, options?: OperatorOptions): Promise<Task>;
  /**
   * Approves an ACTION_PENDING task: RUNNING again, with `approval: { by, at, reason }` that its
   * next poll sees as `ctx.approval` (a machine task's machine gets `rnr.approve`). Throws
   * RNR_ERR_NOT_ACTION_PENDING for a task in any other state.
   */
  approve(id: string, options?: OperatorOptions): Promise<Task>;
  /**
   * Pauses a task: a paused leaf is not polled, a paused PENDING task is not started, a paused
   * nested task starts no new children while its running ones go on. Pausing the root stops
   * everything new.
   */
  pause(id: string, options?: OperatorOptions): Promise<Task>;
  /** Lifts a pause: the task is polled (or starts children) again from the next tick. */
  resume(id: string, options?: OperatorOptions): Promise<Task>;
  /**
   * Sets how many children of a nested task may run at once, from the next tick; lowering it stops
   * nothing that runs. Throws RNR_ERR_NOT_NESTED for a leaf, RNR_ERR_INVALID_PARALLELISM for a
   * value that is not an integer ≥ 1. Survives a restart (stored with the task).
   */
  setParallelism(id: string, parallelism: number, options?: OperatorOptions): Promise<Task>;
  /**
   * Cancels the job: ticking stops, polls in flight are aborted, and every unfinished task ends
   * SKIPPED, top down, each with one OPERATOR event (`action: 'cancel'`, the actor and reason) and
   * the status line `cancelled by <actor>: <reason>`. Resolves with the summary once durable;
   * rejects `RNR_ERR_CONFLICT` (changing nothing) when the root has already ended.
   *
   * @example
   * await job.cancel({ actor: 'alice', reason: 'wrong version' });
   */
  cancel(options?: OperatorOptions): Promise<JobSummary>;

  /** Every event, in seq order, after it is committed to the store. Returns unsubscribe. */
  subscribe(listener: (event: TaskEvent) => void): () => void;
  /** Recorded events with seq > since (default 0), at most `limit`, read from the store. */
  events(since?: number, limit?: number): Promise<TaskEvent[]>;
  /** Observes every finished poll (metrics). Returns unsubscribe. */
  observePolls(listener: (poll: PollObservation) => void): () => void;
  /** Stops the job (without waiting for polls) and releases it in its store; the store stays open. */
  close(): Promise<void>;
}

import type {
  AnyWorkflow,
  ClusterProcess,
  Job,
  JobSnapshot,
  JobSummary,
  RunInput,
  RunTrigger,
  Task,
  TaskEvent,
  WorkflowSchedule,
} from '../index.js';

/** What became of a schedule's last fire time in this process (`GET /workflows`' `lastFire`). */
export interface ScheduleFire {
  /** The fire time (ms since the epoch): the cron's time, not when the run started. */
  at: number;
  /**
   * `started` (a run, `run`), `skipped` (why in `reason`: the schedule's last run is unfinished
   * under `overlap: 'skip'`, or the workflow's concurrency is full), `elsewhere` (another process
   * sharing the store fired this time), or `failed` (the start failed; `reason` says why).
   */
  outcome: 'started' | 'skipped' | 'elsewhere' | 'failed';
  run?: string;
  reason?: string;
}

/** Where a schedule stands: its next fire time (absent when none) and its last fire here. */
export interface ScheduleStatus {
  nextAt?: number;
  lastFire?: ScheduleFire;
}

/** A workflow as `GET /workflows` lists it. */
export interface WorkflowInfo {
  name: string;
  description: string;
  /** The JSON Schema of its input, where its validator offers one. */
  inputSchema?: Record<string, unknown>;
  /** Its schedules; `nextAt` and `lastFire` where this process fires them (`rnr serve`). */
  schedules: (Required<Pick<WorkflowSchedule, 'cron' | 'timezone' | 'overlap'>> & ScheduleStatus)[];
  /** At most this many unfinished runs (absent: no limit). */
  concurrency?: number;
  keepRuns: number;
  labels: Record<string, string>;
}

/** What starts a run: its input (validated by the workflow), how, by whom, and an idempotency key. */
export interface StartRequest {
  /** The run's input, before validation (default `{}`). */
  input?: unknown;
  /** Default API. */
  trigger?: RunTrigger;
  /** Who started it (`X-Rnr-Actor`, `--as`, the user name). */
  startedBy?: string;
  /** The same key (per workflow) answers the same run instead of starting another. */
  idempotencyKey?: string;
}

/** A started run: its summary, and whether this request made it (false: an idempotent replay). */
export interface StartedRun {
  summary: JobSummary;
  created: boolean;
}

/** A query of {@link RunHost.list}. */
export interface RunListQuery {
  workflow?: string;
  /** State names, `ACTIVE` (unfinished) or `DONE` (finished); any of them (default: all). */
  states?: readonly string[];
  /** Default 100, clamped to 1..1000. */
  limit?: number;
  pageToken?: string;
}

/** A page of runs, newest first. */
export interface RunListPage {
  jobs: JobSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** An operator action on one task of a run (the API's and the socket's commands). */
export interface RunCommand {
  op: 'state' | 'retry' | 'skip' | 'approve' | 'pause' | 'resume' | 'parallelism';
  task: string;
  /** A TaskState or its name (checked by the engine). */
  state?: string | number;
  parallelism?: number;
  message?: string;
  reason?: string;
  /** Who acts; `'anonymous'` when nobody said. */
  actor: string;
  /** The same key for the same run gets the same answer, and the action is applied once. */
  idempotencyKey?: string;
}

/** Who cancels a run, and why. */
export interface CancelOptions {
  actor?: string;
  reason?: string;
  /** The same key for the same run gets the same answer, and the run is cancelled once. */
  idempotencyKey?: string;
}

/**
 * An operator action recorded for a run that no owner applied in time (the run lives in another
 * process that did not answer, or in none just now): it will be applied once, in order, when an
 * owner takes the run. Do not send it again (an `Idempotency-Key` makes a resend harmless).
 */
export interface PendingCommand {
  /** The command's id (increasing in the order commands were recorded). */
  id: string;
  /** The run. */
  job: string;
  op: RunCommand['op'] | 'cancel';
  /** '' for a cancel. */
  task: string;
  actor: string;
  reason?: string;
  idempotencyKey?: string;
  /** ms since the Unix epoch. */
  createdAt: number;
}

/**
 * The answer to an operator action through {@link RunHost.submit}: applied (with the task, or the
 * run's summary for a cancel; `replayed` when an earlier request with the same idempotency key
 * applied it), or still pending.
 */
export type CommandAnswer<T> = { applied: T; replayed: boolean } | { pending: PendingCommand };

/** One run's events, as an event socket reads them: the log by seq, then live events. */
export interface RunStream {
  readonly id: string;
  /** The seq of the last event recorded so far. */
  readonly seq: number;
  /** Recorded events with seq > since, at most `limit`, in seq order (from the store). */
  events(since: number, limit?: number): Promise<TaskEvent[]>;
  /**
   * Every event committed from now on, in seq order, while the run lives in this process, and
   * again whenever it is loaded later (an operator acting on a finished run). Returns unsubscribe.
   */
  subscribe(listener: (event: TaskEvent) => void): () => void;
}

/** Hears runs come into this process's memory and leave it (metrics follow live jobs). */
export interface LiveRunWatcher {
  added(job: Job): void;
  removed(job: Job): void;
}

/**
 * The runs a process hosts: the one way the server and the CLI reach runs. It starts runs of its
 * workflows (validated input, numbers, concurrency, idempotency keys), resumes unfinished ones,
 * reads any run (live from memory, else from the store), applies operator actions and cancels,
 * keeps `keepRuns`, and streams events across a run's loads. A cluster host (leases, placement,
 * durable commands) implements the same interface.
 */
export interface RunHost {
  /** Where the runs' state lives (the store's description). */
  readonly description: string;
  /** The workflows this process hosts, by name. */
  workflows(): WorkflowInfo[];
  /** One hosted workflow, or undefined. */
  workflow(name: string): AnyWorkflow | undefined;
  /**
   * Starts a run of a hosted workflow. Refuses `RNR_ERR_WORKFLOW_UNKNOWN` (404),
   * `RNR_ERR_INVALID_INPUT` (400, each issue listed), `RNR_ERR_CONFLICT` (409: over concurrency,
   * naming the runs in the way, or a host that starts no runs). Nothing is started on a refusal.
   */
  start(workflow: string, request?: StartRequest): Promise<StartedRun>;
  /** Runs newest first, finished ones included, filtered and paged. */
  list(query?: RunListQuery): Promise<RunListPage>;
  /** One run's summary (`RNR_ERR_JOB_NOT_FOUND` for an unknown run). */
  summary(runId: string): Promise<JobSummary>;
  /** One run with its whole task tree. */
  snapshot(runId: string): Promise<JobSnapshot>;
  /** One task of a run (with its children, to `depth`). */
  task(runId: string, taskId: string, depth?: number): Promise<Task>;
  /** A machine task's own statechart (the run must be live, or loadable). */
  machineChart(runId: string, taskId: string): Promise<unknown>;
  /** The run's recorded events after `since`. */
  events(runId: string, since: number, limit?: number): Promise<TaskEvent[]>;
  /** The run's event stream (`RNR_ERR_JOB_NOT_FOUND` for an unknown run). */
  stream(runId: string): Promise<RunStream>;
  /** Applies an operator action to a task of a run; resolves with the task once durable. */
  operate(runId: string, command: RunCommand): Promise<Task>;
  /**
   * Like {@link operate} and {@link cancel}, for a server: on a store several processes share, a
   * run that lives in another process gets the action as a durable command, and the answer says
   * `pending` when no owner applied it within the host's wait. Honours `idempotencyKey`. A host
   * without it is served through `operate` and `cancel`.
   */
  submit?(runId: string, command: RunCommand): Promise<CommandAnswer<Task>>;
  submitCancel?(runId: string, options: CancelOptions): Promise<CommandAnswer<JobSummary>>;
  /**
   * Cancels a run: polling stops, polls in flight are aborted, and every unfinished task ends
   * SKIPPED with the reason, one OPERATOR event each. `RNR_ERR_CONFLICT` when it had already ended.
   */
  cancel(runId: string, options?: CancelOptions): Promise<JobSummary>;
  /** The live Job of a run in this process's memory, or undefined. */
  live(runId: string): Job | undefined;
  /** Every live run's Job. */
  liveJobs(): Job[];
  /** Calls `watcher.added` for each live run now and later, `removed` when one leaves memory. */
  watchLive(watcher: LiveRunWatcher): () => void;
  /** Stops every run (polls in flight aborted), releases them, and closes the store if it owns it. */
  close(): Promise<void>;
  /**
   * The processes serving this host's store (`GET /cluster`): on a shared store every live one,
   * else this process alone. A host without it is served as this process alone.
   */
  cluster?(): Promise<{ processes: ClusterProcess[] }>;
}

/** A run's input as kept with it. */
export type { RunInput };

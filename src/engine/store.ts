import type { Approval, RunTrigger, TaskEvent, TaskKind } from './messages.js';
import type { TaskState, TaskStateName } from './task-state.js';

// The store port: what the engine (and the run host) need of a store, as Promises so that a
// network database can implement it. docs/durability.md ("The store port") explains the contract
// every store keeps; test/store/contract/ checks it against each store.

/** The durable form of one task: what survives a restart. */
export interface TaskRecord {
  id: string;
  /** '' for the root. */
  parentId: string;
  /** Position among its parent's children (0 for the root), so a run can be drawn from its records. */
  index: number;
  name: string;
  kind: TaskKind;
  state: TaskState;
  message: string;
  paused: boolean;
  parallelism: number;
  /** True once an operator set this nested task's parallelism (it then wins over the definition). */
  parallelismSet: boolean;
  /** Nested tasks: whether a failed child stops new children (from the definition; for drawing). */
  failFast: boolean;
  attempt: number;
  approval?: Approval;
  labels: Record<string, string>;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt: number;
  /** Consecutive poll errors so far. */
  pollErrors: number;
  /**
   * ms since the epoch: when a task waiting for an automatic retry tries again (absent when none).
   * Optional, so a store that does not keep it still works (its pending retries then start again
   * at once after a restart).
   */
  retryAt?: number;
  /** True when an operator (not the scheduler) set the current state. */
  stateSetByOperator: boolean;
  /** Machine tasks: XState's persisted snapshot of the user's machine (JSON). */
  machineSnapshot?: unknown;
}

/** Claims a store keeps per schedule (`claimScheduleFire`); older fire times are deleted. */
export const SCHEDULE_FIRES_KEPT = 10;

/** A JSON object: a run's input. */
export type JsonObject = { [key: string]: unknown };

/** Tasks per state name, every name present (a run's `counts`). */
export type StateCounts = Record<TaskStateName, number>;

/**
 * Who writes a run's state: the process that opened it and the epoch it opened it in. A store
 * that fences (SQLite, PostgreSQL) bumps the epoch every time the run is opened, and refuses a
 * commit whose fence is not the run's current one with `RNR_ERR_LEASE_LOST`.
 */
export interface Fence {
  /** The owning process's id in this store (fresh per process start or store instance). */
  process: string;
  epoch: number;
}

/**
 * The durable identity and headline of one run (a Job): who started what, and the summary fields
 * that the engine passes with every batch, so that listing runs never reads their tasks.
 */
export interface RunRecord {
  /** `<workflow>-<run>` for runs made by `createRun`; a legacy job keeps its own id. */
  id: string;
  name: string;
  createdAt: number;
  /** The last event seq written. */
  seq: number;
  /** The workflow this is a run of; a job created without one is a run of workflow = its id. */
  workflow: string;
  /** The run's number within its workflow: 1, 2, 3 … never reused. */
  run: number;
  input: JsonObject;
  trigger: RunTrigger;
  /** Who started it ('' when nobody said). */
  startedBy: string;
  /** The root task's state. */
  state: TaskState;
  counts: StateCounts;
  /** Tasks in the run. */
  total: number;
  startedAt?: number;
  finishedAt?: number;
  labels: Record<string, string>;
  /** The run's current owner, where the store knows one (listing and loading only). */
  owner?: Fence;
}

/** One atomic write: the run's record as it now stands, the tasks that changed, their events. */
export interface CommitBatch {
  run: RunRecord;
  tasks: readonly TaskRecord[];
  events: readonly TaskEvent[];
  /** The writer's fence from `openRun`: a stale one changes nothing (`RNR_ERR_LEASE_LOST`). */
  fence?: Fence;
}

/** A run as stored: its record and every task record. */
export interface StoredRun {
  run: RunRecord;
  tasks: TaskRecord[];
}

/** What `openRun` hands the engine: the stored run (claimed for this process) and its fence. */
export interface OpenedRun extends StoredRun {
  /** True when the store did not know the run and recorded it now. */
  created: boolean;
  /** Put on every commit of this run (absent: the store does not fence). */
  fence?: Fence;
}

/** The states `listRuns` filters on: a state name, `ACTIVE` (not finished) or `DONE` (finished). */
export type RunStateFilter = TaskStateName | 'ACTIVE' | 'DONE';

/** A query of `listRuns`. */
export interface RunQuery {
  workflow?: string;
  /** Runs whose root is in any of these (default: any state). */
  states?: readonly RunStateFilter[];
  /** Runs per page: default 100, clamped to 1..1000. */
  limit?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

/** One page of runs, newest first. */
export interface RunPage {
  runs: RunRecord[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** A request to start a new run of a workflow (`createRun`). */
export interface CreateRunRequest {
  workflow: string;
  /** The run's display name (default: the workflow's name). */
  name?: string;
  input?: JsonObject;
  trigger?: RunTrigger;
  startedBy?: string;
  labels?: Record<string, string>;
  /** At most this many unfinished runs of the workflow, this one included (default: no limit). */
  concurrency?: number;
  /** A retried request with the same key (per workflow) gets the same run instead of a new one. */
  idempotencyKey?: string;
  /** ms since the Unix epoch (default: the store's clock). */
  createdAt?: number;
}

/** What `createRun` answers: the run, and whether this call made it (false: an idempotent replay). */
export interface CreatedRun {
  run: RunRecord;
  created: boolean;
}

/** One process of a cluster sharing a store (`GET /cluster`). */
export interface ClusterProcess {
  /** The process's id in the store (fresh per process start). */
  id: string;
  host: string;
  pid: number;
  /** ms since the Unix epoch. */
  startedAt: number;
  /** ms since the Unix epoch: the last renewal of its leases. */
  heartbeatAt: number;
  /** The workflows it hosts (runs of these can be placed on it). */
  workflows: string[];
  /** Runs it owns. */
  runs: number;
}

/** What a {@link StoreCluster} tells the process that uses it. */
export interface ClusterWatcher {
  /** A renewal went through: this process holds its leases until its next deadline. */
  renewed?(): void;
  /**
   * The renewal deadline passed without a renewal: this process must stop acting on every run
   * it holds (stop ticking, abort polls in flight); the store refuses them nothing by itself,
   * but the runs may be taken over by another process once their leases lapse.
   */
  lapsed?(): void;
  /** A commit of this run failed `RNR_ERR_LEASE_LOST`: another process owns it now. */
  lost?(runId: string): void;
}

/**
 * A store that several processes share (PostgreSQL): each run is owned under a lease that the
 * store renews for the whole process at once, and the engine starts no poll while
 * {@link holdsLeases} is false. docs/cluster.md describes the timings and what fencing guarantees.
 */
export interface StoreCluster {
  /** This process's id in the store. */
  readonly process: string;
  /** The lease length (ms); renewal every 2/15 of it, the deadline at 10/15 of it. */
  readonly leaseMs: number;
  /** True while this process renewed its leases within its deadline (its own monotonic clock). */
  holdsLeases(): boolean;
  /** Records this process's workflows (placement) and starts renewing; call again to update. */
  join(workflows: readonly string[]): Promise<void>;
  /** Hears renewals, a lapse past the deadline, and runs lost to another process. */
  watch(watcher: ClusterWatcher): () => void;
  /**
   * Unfinished runs of these workflows that nobody owns or whose lease lapsed (the database's
   * clock), oldest first, at most `limit`: the runs this process may take over with `openRun`.
   */
  claimable(workflows: readonly string[], limit: number): Promise<RunRecord[]>;
  /** The live processes (renewed within a lease), oldest first. */
  processes(): Promise<ClusterProcess[]>;
}

/**
 * Where runs' state lives. Every method returns a Promise; a commit resolves only once its batch is
 * durable, and the engine publishes a batch's events only after that (commit before publish).
 * Three groups of methods: owning a run (`openRun`, `commit`, `releaseRun`: the process that runs
 * it), reading any run, owned or not, by any process (`events`, `loadRun`, `listRuns`), and run
 * lifecycle (`createRun`, `pruneRuns`). `memoryStore()` and `sqliteStore(path)` implement it.
 */
export interface Store {
  /** A short description for logs, e.g. `sqlite:/var/lib/rnr/rnr.db`; never holds a password. */
  readonly description: string;
  /**
   * Claims the run for this process and reads it; records it first when the store does not know
   * it. Rejects with `RNR_ERR_JOB_LOCKED` while another live process owns it.
   */
  openRun(run: RunRecord): Promise<OpenedRun>;
  /** Writes the batch in one transaction; resolves once durable. Fenced by `batch.fence`. */
  commit(batch: CommitBatch): Promise<void>;
  /** Gives up this process's claim on the run. */
  releaseRun(runId: string): Promise<void>;
  /** Recorded events of a run with seq > since, in seq order, at most `limit`. */
  events(runId: string, since: number, limit?: number): Promise<TaskEvent[]>;
  /** A run's record and task records, read-only (no claim); undefined for an unknown run. */
  loadRun(runId: string): Promise<StoredRun | undefined>;
  /** Runs newest first, filtered, in pages (keyset: the cost of a page does not grow with the store). */
  listRuns(query?: RunQuery): Promise<RunPage>;
  /**
   * Records a new run of a workflow, atomically: the next run number (never reused), the
   * `concurrency` check (`RNR_ERR_CONFLICT` naming the unfinished runs in the way) and the
   * idempotency key (the same key answers the same run).
   */
  createRun(request: CreateRunRequest): Promise<CreatedRun>;
  /**
   * Deletes a workflow's finished runs (with their tasks and events) beyond the newest `keep`;
   * runs that a process holds open are left for a later call. Resolves with how many it deleted.
   */
  pruneRuns(workflow: string, keep: number): Promise<number>;
  /** Releases the store (its claims, files, connections). */
  close(): Promise<void>;
  /**
   * Claims one fire time of a workflow's schedule: resolves true for the first caller of
   * (`workflow`, `schedule`, `at`) among every process sharing the store, false for every later
   * one, so a schedule starts one run per time however many processes host it. A time at or
   * before one already claimed is refused too (a schedule's times only move forward). The store
   * keeps the newest {@link SCHEDULE_FIRES_KEPT} claims per schedule and deletes older ones.
   * Optional: a store without it is one process's, whose run host fires unclaimed.
   */
  claimScheduleFire?(workflow: string, schedule: string, at: number): Promise<boolean>;
  /**
   * Present on a store that several processes share: leases, placement and the process table.
   * Absent (memory, SQLite): the one process owns every run it opens.
   */
  readonly cluster?: StoreCluster;
  /** Present on a store that several processes share: durable operator commands. */
  readonly commands?: StoreCommands;
  /** Present on a store that several processes share: notices of new events and commands. */
  readonly feed?: StoreFeed;
}

// ---- Optional: what a store that several processes share adds (PostgreSQL) ----------------------
// Memory and SQLite stores leave these out: one process holds every run it serves. docs/cluster.md
// ("One API over all: commands and streams") says how the run host uses them.

/** An operator action kept as a command: the task verbs, and `cancel` (of the whole run). */
export type CommandOp =
  | 'state'
  | 'retry'
  | 'skip'
  | 'approve'
  | 'pause'
  | 'resume'
  | 'parallelism'
  | 'cancel';

/** An operator action for a run, as sent to any process (`StoreCommands.submit`). */
export interface CommandRequest {
  runId: string;
  op: CommandOp;
  /** The task ('' for `cancel`). */
  task: string;
  state?: string | number;
  parallelism?: number;
  message?: string;
  reason?: string;
  actor: string;
  /** The same key for the same run answers the same command (a resend is harmless). */
  idempotencyKey?: string;
}

/** Where a command stands: waiting for the run's owner, applied by it, or refused by it. */
export type CommandStatus = 'pending' | 'applied' | 'refused';

/** A command as stored: the request, its order (`id`), and — once settled — its outcome. */
export interface CommandRecord extends CommandRequest {
  /** Increasing in the order commands were recorded (decimal digits). */
  id: string;
  /** ms since the Unix epoch (the database's clock). */
  createdAt: number;
  status: CommandStatus;
  /** Applied: the task's record (a task verb) or the run's (cancel), as the batch that applied it wrote them. */
  result?: { task?: TaskRecord; run?: RunRecord };
  /** Refused: the owner's error. */
  error?: { code: string; message: string };
  /** The owner's epoch when it settled the command. */
  epoch?: number;
}

/** What `submit` answers: the command (a new one, or the one recorded under the same key) and its run. */
export interface SubmittedCommand {
  command: CommandRecord;
  /** False: an earlier command with the same idempotency key. */
  created: boolean;
  /** The run as it stands: its owner process (absent: none), whether it ended, its workflow. */
  run: { owner?: string; done: boolean; workflow: string };
}

/**
 * Durable operator commands: any process records one (`submit`) before anything is acknowledged;
 * the run's owner applies the pending ones in order. Apply-once: the owner attaches a command to
 * the commit of the batch its action recorded (`applying`), and the store marks it applied in that
 * same fenced write, so a batch and the mark land together or not at all.
 */
export interface StoreCommands {
  /** Records a command (or finds the one with the same idempotency key); `RNR_ERR_JOB_NOT_FOUND` for an unknown run. */
  submit(request: CommandRequest): Promise<SubmittedCommand>;
  /** One command, or undefined. */
  get(id: string): Promise<CommandRecord | undefined>;
  /** A run's pending commands, in order. */
  pending(runId: string): Promise<CommandRecord[]>;
  /** Which of these runs have pending commands. */
  waiting(runIds: readonly string[]): Promise<string[]>;
  /**
   * Attaches a command to the commit of this run's batch that holds event `seq`, which must be an
   * event of this command's action by its actor: that commit marks it applied with the task's (or
   * the run's) record. Returns a detach, for an action that recorded nothing or failed.
   */
  applying(command: CommandRecord, seq: number): () => void;
  /**
   * Records the owner's refusal of a pending command: only while this store instance still owns
   * the run (same epoch), or while nobody owns it. False when that no longer holds.
   */
  refuse(command: CommandRecord, error: { code: string; message: string }): Promise<boolean>;
}

/** A hint from the database: something happened to a run (read the store for the truth). */
export type StoreNotice =
  | { kind: 'events'; runId: string; seq: number }
  | { kind: 'submitted'; runId: string; command: string }
  | { kind: 'settled'; runId: string; command: string };

/** Hears a store's notices. */
export interface StoreFeedListener {
  notice(notice: StoreNotice): void;
  /** The notices' connection was (re)established: notices may have been missed; catch up. */
  connected(): void;
}

/** Change notices across processes (PostgreSQL's LISTEN/NOTIFY): hints, never the truth. */
export interface StoreFeed {
  /** Starts hearing notices (one connection per store, opened on the first watcher). */
  watch(listener: StoreFeedListener): () => void;
  /** The committed seq of each of these runs (unknown runs left out). */
  seqs(runIds: readonly string[]): Promise<Map<string, number>>;
}

import type { Approval, TaskEvent, TaskKind } from './messages.js';
import type { TaskState } from './task-state.js';

/** The durable form of one task: what survives a restart. */
export interface TaskRecord {
  id: string;
  /** '' for the root. */
  parentId: string;
  name: string;
  kind: TaskKind;
  state: TaskState;
  message: string;
  paused: boolean;
  parallelism: number;
  /** True once an operator set this nested task's parallelism (it then wins over the definition). */
  parallelismSet: boolean;
  attempt: number;
  approval?: Approval;
  labels: Record<string, string>;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt: number;
  /** Consecutive poll errors so far. */
  pollErrors: number;
  /** True when an operator (not the scheduler) set the current state. */
  stateSetByOperator: boolean;
  /** Machine tasks: XState's persisted snapshot of the user's machine (JSON). */
  machineSnapshot?: unknown;
}

/** The durable identity of a job. */
export interface JobRecord {
  id: string;
  name: string;
  createdAt: number;
  /** The last event seq written. */
  seq: number;
}

/** One atomic write: the tasks that changed and the events they produced. */
export interface CommitBatch {
  job: JobRecord;
  tasks: readonly TaskRecord[];
  events: readonly TaskEvent[];
}

/** What a store knows of a job when it is opened again. */
export interface StoredJobState {
  job: JobRecord;
  tasks: TaskRecord[];
}

/**
 * Where a job's state lives. The interface is synchronous on purpose: a commit returns only once
 * the batch is durable, so the engine can publish an event right after (commit before publish).
 * `memoryStore()` and `sqliteStore(path)` implement it.
 */
export interface Store {
  /** A short description for logs, e.g. `sqlite:/var/lib/rnr/rnr.db`. */
  readonly description: string;
  /**
   * Claims the job for this process and returns its stored state, or `undefined` for a new job.
   * Throws `RNR_ERR_JOB_LOCKED` when another live process owns it.
   */
  openJob(job: JobRecord): StoredJobState | undefined;
  /** Writes the batch atomically; durable on return. */
  commit(batch: CommitBatch): void;
  /** Recorded events of a job with seq > since, in seq order, at most `limit`. */
  events(jobId: string, since: number, limit?: number): TaskEvent[];
  /** Releases this process's claim on the job. */
  releaseJob(jobId: string): void;
  /** Every job the store knows. */
  listJobs(): JobRecord[];
  /** Releases the store (files, locks). */
  close(): void;
}

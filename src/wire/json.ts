/**
 * The control API's JSON shapes as clients receive them (proto3 JSON mapping: enums by name, and
 * default values may be omitted, so every field but the ids is optional). Types only, with no
 * runtime imports: shared by the CLI (Node) and the web view (browser bundle).
 */

/** A state as it travels: its name (`'RUNNING'`). */
export type WireState = string;

/** An approval record. */
export interface WireApproval {
  by?: string;
  at?: number;
  reason?: string;
}

/** A machine task's live statechart status. */
export interface WireMachineStatus {
  machineId?: string;
  value?: string;
  active?: string[];
  status?: string;
}

/** One task with its children. */
export interface WireTask {
  id: string;
  name?: string;
  kind?: string;
  state?: WireState;
  message?: string;
  paused?: boolean;
  parallelism?: number;
  failFast?: boolean;
  children?: WireTask[];
  attempt?: number;
  approval?: WireApproval;
  labels?: Record<string, string>;
  parentId?: string;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt?: number;
  machine?: WireMachineStatus;
}

/** Why a job is halted: its store refused a commit (it retries by itself at `retryAt`). */
export interface WireJobHalt {
  code?: string;
  message?: string;
  since?: number;
  retryAt?: number;
}

/** The run a job is. */
export interface WireRunFields {
  workflow?: string;
  run?: number;
  input?: Record<string, unknown>;
  /** `TRIGGER_UNSPECIFIED`, `CLI`, `API` or `SCHEDULE`. */
  trigger?: string;
  startedBy?: string;
  /** Present while the job is halted. */
  halted?: WireJobHalt;
}

/** `GET /jobs/:job`. */
export interface WireJob extends WireRunFields {
  id: string;
  name?: string;
  root: WireTask;
  createdAt?: number;
  seq?: number;
}

/** One row of `GET /jobs`. */
export interface WireJobSummary extends WireRunFields {
  id: string;
  name?: string;
  state?: WireState;
  counts?: Record<string, number>;
  createdAt?: number;
  total?: number;
  seq?: number;
  startedAt?: number;
  finishedAt?: number;
}

/** One recorded change: a frame of the event stream. */
export interface WireEvent {
  seq: number;
  jobId?: string;
  taskId: string;
  from?: WireState;
  to?: WireState;
  paused?: boolean;
  message?: string;
  cause?: string;
  actor?: string;
  reason?: string;
  time?: number;
  action?: string;
  attempt?: number;
  parallelism?: number;
}

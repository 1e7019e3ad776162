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

/** `GET /jobs/:job`. */
export interface WireJob {
  id: string;
  name?: string;
  root: WireTask;
  createdAt?: number;
  seq?: number;
  /** The run's workflow, number, input, trigger and starter (as in {@link WireJobSummary}). */
  workflow?: string;
  run?: number;
  input?: Record<string, unknown>;
  trigger?: string;
  startedBy?: string;
}

/** One row of `GET /jobs`: a run's headline. */
export interface WireJobSummary {
  id: string;
  name?: string;
  state?: WireState;
  counts?: Record<string, number>;
  createdAt?: number;
  total?: number;
  seq?: number;
  startedAt?: number;
  finishedAt?: number;
  workflow?: string;
  run?: number;
  input?: Record<string, unknown>;
  /** `CLI`, `API`, `SCHEDULE` (or `TRIGGER_UNSPECIFIED` for a plain job). */
  trigger?: string;
  startedBy?: string;
  labels?: Record<string, string>;
}

/** One workflow of `GET /workflows`. */
export interface WireWorkflow {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  schedules?: { cron: string; timezone?: string; overlap?: string; nextAt?: number }[];
  concurrency?: number;
  keepRuns?: number;
  labels?: Record<string, string>;
}

/** One schedule of a workflow, with its next fire time (ms since the epoch; absent or 0: none). */
export type WireSchedule = NonNullable<WireWorkflow['schedules']>[number];

/** `GET /workflows`. */
export interface WireWorkflowList {
  workflows: WireWorkflow[];
}

/** `GET /jobs?workflow=&state=&limit=&pageToken=`: one page of runs, newest first. */
export interface WireJobPage {
  jobs: WireJobSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
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

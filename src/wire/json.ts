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

/** One row of `GET /jobs`. */
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
  /** The workflow this job is a run of (a legacy job: its own id). */
  workflow?: string;
  /** The run's number within its workflow (1, 2, 3 …). */
  run?: number;
  /** The run's validated input. */
  input?: Record<string, unknown>;
  /** What started the run: `CLI`, `API`, `SCHEDULE` (`TRIGGER_UNSPECIFIED` for a legacy job). */
  trigger?: string;
  /** Who started the run (the actor of the start request, or the schedule). */
  startedBy?: string;
}

/** `GET /jobs?workflow=&state=&limit=&pageToken=`: one page of runs, newest first. */
export interface WireJobPage {
  jobs: WireJobSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** One schedule of a workflow, as `GET /workflows` lists it. */
export interface WireSchedule {
  cron: string;
  timezone?: string;
  /** `skip` (no new run while the schedule's last run is unfinished) or `allow`. */
  overlap?: string;
  /** The next fire time (epoch ms). */
  nextAt?: number;
}

/** One workflow a server hosts. */
export interface WireWorkflow {
  name: string;
  description?: string;
  /** The input's JSON Schema, where the validator offers one. */
  inputSchema?: unknown;
  schedules?: WireSchedule[];
}

/** `GET /workflows`. */
export interface WireWorkflowList {
  workflows: WireWorkflow[];
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

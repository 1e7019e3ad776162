/**
 * The control API's JSON shapes as the browser receives them (proto3 JSON mapping: enums by name,
 * default values may be omitted, so every field but the ids is optional here).
 */

/** A state as it travels: its name, or (defensively) its number. */
export type WireState = string | number;

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
  kind?: string | number;
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
  cause?: string | number;
  actor?: string;
  reason?: string;
  time?: number;
  action?: string;
  attempt?: number;
  parallelism?: number;
}

/** The error body of every 4xx/5xx answer. */
export interface WireError {
  error?: { code?: string; message?: string };
}

/** The operator actions of the control API. */
export type OperatorOp = 'state' | 'retry' | 'skip' | 'approve' | 'pause' | 'resume' | 'parallelism';

/** The event causes, by proto number. */
export const causeNames: readonly string[] = ['POLL', 'SCHEDULER', 'OPERATOR', 'SYSTEM'];

/** A cause as a name, whether it came as a name or a number. */
export function causeName(cause: string | number | undefined): string {
  if (typeof cause === 'number') return causeNames[cause] ?? String(cause);
  return cause ?? 'POLL';
}

/** True for a nested task, whether the kind came as a name or a number. */
export function isNestedKind(kind: string | number | undefined): boolean {
  return kind === 'NESTED' || kind === 1;
}

/** True for a machine task. */
export function isMachineKind(kind: string | number | undefined): boolean {
  return kind === 'MACHINE' || kind === 2;
}

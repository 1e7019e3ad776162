import type { JobSnapshot, JobSummary, Task, TaskEvent } from '../engine/types.js';

/**
 * The shapes the CLI reads, in the proto3 JSON mapping the control API speaks: states, kinds and
 * causes by name. proto3 JSON may omit default values (`''`, `0`, `false`), so every field but the
 * ids is optional and readers fill in the defaults.
 */

/** A `Task` as it travels on the wire. */
export interface WireTask {
  id: string;
  name?: string;
  kind?: string;
  state?: string;
  message?: string;
  paused?: boolean;
  parallelism?: number;
  children?: WireTask[];
  attempt?: number;
  approval?: { by?: string; at?: number; reason?: string };
  labels?: Record<string, string>;
  parentId?: string;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt?: number;
  /** Machine tasks only: the live state of the user's statechart. */
  machine?: WireMachineStatus;
}

/** A machine task's `MachineStatus` as it travels on the wire. */
export interface WireMachineStatus {
  machineId?: string;
  /** The active state value, JSON-encoded (`"drain"`, `{"reboot":"wait-ready"}`). */
  value?: string;
  /** Dotted paths of the active state nodes. */
  active?: string[];
  /** XState snapshot status: active, done, error, stopped (pending before it starts). */
  status?: string;
}

/** A `Job` as it travels on the wire. */
export interface WireJob {
  id: string;
  name?: string;
  root: WireTask;
  createdAt?: number;
  seq?: number;
}

/** A `JobSummary` as it travels on the wire. */
export interface WireJobSummary {
  id: string;
  name?: string;
  state?: string;
  counts?: Record<string, number>;
  total?: number;
  seq?: number;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
}

/** A `TaskEvent` as it travels on the wire. */
export interface WireEvent {
  seq: number;
  jobId?: string;
  taskId: string;
  from?: string;
  to?: string;
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

/**
 * The proto's enum names, indexed by number. Kept here rather than imported so that client verbs
 * never load the engine; test/cli-wire.test.ts fails if they drift from `TaskState`.
 */
export const stateNames = ['UNKNOWN', 'PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'ACTION_PENDING'];
export const kindNames = ['CALLBACK', 'NESTED', 'MACHINE'];
export const causeNames = ['POLL', 'SCHEDULER', 'OPERATOR', 'SYSTEM'];

function nameOf(names: string[], value: number): string {
  return names[value] ?? String(value);
}

/** A state on the wire (a name, possibly omitted) as a name; `UNKNOWN` when absent. */
export function wireState(state: string | undefined): string {
  return state ?? 'UNKNOWN';
}

/** True for the DONE group: SUCCESS, FAILED, SKIPPED. */
export function isDoneName(state: string | undefined): boolean {
  return state === 'SUCCESS' || state === 'FAILED' || state === 'SKIPPED';
}

/** An engine `Task` in the wire's JSON shape (states by name). */
export function taskToWire(task: Task): WireTask {
  const { children, state, kind, machine, ...rest } = task;
  return {
    ...rest,
    ...(machine ? { machine: { ...machine, active: [...machine.active] } } : {}),
    kind: nameOf(kindNames, kind),
    state: nameOf(stateNames, state),
    children: children.map(taskToWire),
  };
}

/** An engine `Job` snapshot in the wire's JSON shape. */
export function jobToWire(job: JobSnapshot): WireJob {
  return { ...job, root: taskToWire(job.root) };
}

/** An engine `JobSummary` in the wire's JSON shape. */
export function summaryToWire(summary: JobSummary): WireJobSummary {
  return { ...summary, state: nameOf(stateNames, summary.state) };
}

/** An engine `TaskEvent` in the wire's JSON shape: what `rnr run --json` prints per line. */
export function eventToWire(event: TaskEvent): WireEvent {
  return {
    ...event,
    from: nameOf(stateNames, event.from),
    to: nameOf(stateNames, event.to),
    cause: nameOf(causeNames, event.cause),
  };
}

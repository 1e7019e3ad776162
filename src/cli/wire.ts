import type { JobSnapshot, JobSummary, Task, TaskEvent } from '../engine/types.js';

// The wire shapes are shared with the web view.
export type {
  WireEvent,
  WireJob,
  WireJobSummary,
  WireMachineStatus,
  WireTask,
} from '../wire/json.js';

import type { WireEvent, WireJob, WireJobSummary, WireTask } from '../wire/json.js';

/**
 * The proto's enum names, indexed by number. Kept here rather than imported so that client verbs
 * never load the engine; test/cli-wire.test.ts fails if they drift from `TaskState`.
 */
export const stateNames = ['UNKNOWN', 'PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'ACTION_PENDING'];
export const kindNames = ['CALLBACK', 'NESTED', 'MACHINE'];
export const causeNames = ['POLL', 'SCHEDULER', 'OPERATOR', 'SYSTEM'];
export const triggerNames = ['TRIGGER_UNSPECIFIED', 'CLI', 'API', 'SCHEDULE'];

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
  return { ...job, root: taskToWire(job.root), trigger: nameOf(triggerNames, job.trigger) };
}

/** An engine `JobSummary` in the wire's JSON shape. */
export function summaryToWire(summary: JobSummary): WireJobSummary {
  return {
    ...summary,
    state: nameOf(stateNames, summary.state),
    trigger: nameOf(triggerNames, summary.trigger),
  };
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

import type { JobSnapshot, JobSummary, Task, TaskEvent } from '../engine/messages.js';
import type { JobJson, JobListJson, JobSummaryJson, TaskEventJson, TaskJson, WorkflowJson } from './json.js';
import { causeNames, kindNames, nameOf, stateNames, triggerNames } from './names.js';

// The proto3 JSON encoding of the engine's objects: the one encoder, used by the server (every
// JSON answer and event frame) and the CLI (`rnr run`'s view and `--json` lines).

/**
 * A task (and its children) in the proto3 JSON mapping.
 *
 * @example
 * JSON.stringify(taskToJson(job.getTask('root')));
 */
export function taskToJson(task: Task): TaskJson {
  return {
    ...task,
    kind: nameOf(kindNames, task.kind),
    state: nameOf(stateNames, task.state),
    children: task.children.map(taskToJson),
  };
}

/** A job snapshot in the proto3 JSON mapping. */
export function jobToJson(job: JobSnapshot): JobJson {
  return { ...job, root: taskToJson(job.root), trigger: nameOf(triggerNames, job.trigger) };
}

/** A job summary in the proto3 JSON mapping. */
export function summaryToJson(summary: JobSummary): JobSummaryJson {
  return {
    ...summary,
    state: nameOf(stateNames, summary.state),
    trigger: nameOf(triggerNames, summary.trigger),
  };
}

/** A page of runs (`JobList`) in the proto3 JSON mapping. */
export function jobListToJson(page: { jobs: JobSummary[]; nextPageToken?: string }): JobListJson {
  return {
    jobs: page.jobs.map(summaryToJson),
    ...(page.nextPageToken && { nextPageToken: page.nextPageToken }),
  };
}

/** The hosted workflows (`WorkflowList`) in the proto3 JSON mapping (already plain JSON). */
export function workflowsToJson(list: { workflows: WorkflowJson[] }): { workflows: WorkflowJson[] } {
  return list;
}

/** An event in the proto3 JSON mapping. */
export function eventToJson(event: TaskEvent): TaskEventJson {
  return {
    ...event,
    from: nameOf(stateNames, event.from),
    to: nameOf(stateNames, event.to),
    cause: nameOf(causeNames, event.cause),
  };
}

import {
  EventCause,
  type JobSnapshot,
  type JobSummary,
  RunTrigger,
  stateName,
  type Task,
  type TaskEvent,
  TaskKind,
  type TaskStateName,
} from '../index.js';

/** A `Task` in the proto3 JSON mapping: enums by name. */
export type TaskJson = Omit<Task, 'kind' | 'state' | 'children'> & {
  kind: keyof typeof TaskKind;
  state: TaskStateName;
  children: TaskJson[];
};

/** A `Job` in the proto3 JSON mapping. */
export type JobJson = Omit<JobSnapshot, 'root' | 'trigger'> & {
  root: TaskJson;
  trigger: keyof typeof RunTrigger;
};

/** A `JobSummary` in the proto3 JSON mapping. */
export type JobSummaryJson = Omit<JobSummary, 'state' | 'trigger'> & {
  state: TaskStateName;
  trigger: keyof typeof RunTrigger;
};

/** A `TaskEvent` in the proto3 JSON mapping. */
export type TaskEventJson = Omit<TaskEvent, 'from' | 'to' | 'cause'> & {
  from: TaskStateName;
  to: TaskStateName;
  cause: keyof typeof EventCause;
};

function enumName<E extends Record<string, string | number>>(values: E, value: number): keyof E {
  return (values[value] as keyof E | undefined) ?? (String(value) as keyof E);
}

/**
 * A task (and its children) in the proto3 JSON mapping.
 *
 * @example
 * JSON.stringify(taskToJson(job.getTask('root')));
 */
export function taskToJson(task: Task): TaskJson {
  return {
    ...task,
    kind: enumName(TaskKind, task.kind),
    state: stateName(task.state),
    children: task.children.map(taskToJson),
  };
}

/** A job snapshot in the proto3 JSON mapping. */
export function jobToJson(job: JobSnapshot): JobJson {
  return { ...job, root: taskToJson(job.root), trigger: enumName(RunTrigger, job.trigger) };
}

/** A job summary in the proto3 JSON mapping. */
export function summaryToJson(summary: JobSummary): JobSummaryJson {
  return { ...summary, state: stateName(summary.state), trigger: enumName(RunTrigger, summary.trigger) };
}

/** An event in the proto3 JSON mapping. */
export function eventToJson(event: TaskEvent): TaskEventJson {
  return {
    ...event,
    from: stateName(event.from),
    to: stateName(event.to),
    cause: enumName(EventCause, event.cause),
  };
}

import { isDone, stateName, type TaskState, type TaskStateName } from '../engine/task-state.js';
import type { Job, Task, TaskEvent } from '../engine/types.js';

/**
 * What {@link TestEnvironment.run} saw. Assert on names rather than numbers so that a failure
 * reads as states: `expect(report.stateName).toBe('SUCCESS')` fails with
 * `expected 'FAILED' to be 'SUCCESS'`, and `expect(report.failed).toEqual([])` names what broke
 * and why.
 */
export interface RunReport {
  /** The root's state when the run ended (a number: compare with `TaskState.SUCCESS`). */
  state: TaskState;
  /** The root's state by name (`'SUCCESS'`): the one to assert on. */
  stateName: TaskStateName;
  /** Simulated time the run took. */
  elapsedMs: number;
  /** Ticks fired. */
  ticks: number;
  /** Every event of the job recorded during the run. */
  events: TaskEvent[];
  /** True when the root reached DONE (false: `for` ran out). */
  done: boolean;
  /** Every task's state by name, by task id, in tree order (root first). */
  taskStates: Map<string, TaskStateName>;
  /** The FAILED tasks that explain the failure (none of their children FAILED), with their messages. */
  failed: { id: string; message: string }[];
}

/** Builds the report of a run of `job` that began at `firstSeq` and took `elapsedMs`. */
export async function runReport(
  job: Job,
  firstSeq: number,
  elapsedMs: number,
  ticks: number,
): Promise<RunReport> {
  const root = job.snapshot().root;
  const taskStates = new Map<string, TaskStateName>();
  const failed: { id: string; message: string }[] = [];
  const visit = (task: Task): void => {
    taskStates.set(task.id, stateName(task.state));
    const name = stateName(task.state);
    if (name === 'FAILED' && !task.children.some((c) => stateName(c.state) === 'FAILED'))
      failed.push({ id: task.id, message: task.message });
    task.children.forEach(visit);
  };
  visit(root);
  const events = await job.events(firstSeq);
  return {
    state: root.state,
    stateName: stateName(root.state),
    elapsedMs,
    ticks,
    events,
    done: isDone(root.state),
    taskStates,
    failed,
  };
}

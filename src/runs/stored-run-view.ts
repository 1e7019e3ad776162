import { RnrError, type StoredRun, type Task, taskTreeFromRecords } from '../index.js';

// A run that is not in this process's memory is read from its records in the store, drawn by the
// engine's own views (runSummary, runSnapshot, taskTreeFromRecords): the same messages a live job
// answers. What is left here is finding one task in that tree.

/** Cuts a task's children below `depth` levels (a copy; the tree is left as it is). */
export function toDepth(task: Task, depth: number): Task {
  return { ...task, children: depth > 0 ? task.children.map((c) => toDepth(c, depth - 1)) : [] };
}

function find(task: Task, id: string): Task | undefined {
  if (task.id === id) return task;
  for (const child of task.children) {
    const found = find(child, id);
    if (found) return found;
  }
  return undefined;
}

/** One task of a stored run, with children to `depth` (`RNR_ERR_TASK_NOT_FOUND` otherwise). */
export function storedTask(stored: StoredRun, taskId: string, depth = Number.POSITIVE_INFINITY): Task {
  const root = taskTreeFromRecords(stored.tasks);
  const task = root && find(root, taskId);
  if (!task) {
    throw new RnrError(
      'RNR_ERR_TASK_NOT_FOUND',
      `job ${JSON.stringify(stored.run.id)} has no task ${JSON.stringify(taskId)}`,
    );
  }
  return toDepth(task, depth);
}

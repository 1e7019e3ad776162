import {
  type JobSnapshot,
  type JobSummary,
  type MachineStatus,
  RnrError,
  type RunRecord,
  type StoredRun,
  type Task,
  TaskKind,
  type TaskRecord,
} from '../index.js';

// A run that is not in this process's memory, read from its records in the store: the same
// `Job`, `JobSummary` and `Task` messages a live job answers, drawn from the task records (each
// knows its parent and its position among its siblings).

/** A run record's `JobSummary`. */
export function recordSummary(run: RunRecord): JobSummary {
  const summary: JobSummary = {
    id: run.id,
    name: run.name,
    state: run.state,
    counts: { ...run.counts },
    createdAt: run.createdAt,
    total: run.total,
    seq: run.seq,
    workflow: run.workflow,
    run: run.run,
    input: run.input,
    trigger: run.trigger,
    startedBy: run.startedBy,
    labels: { ...run.labels },
  };
  if (run.startedAt !== undefined) summary.startedAt = run.startedAt;
  if (run.finishedAt !== undefined) summary.finishedAt = run.finishedAt;
  return summary;
}

function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, sub]) => [
    prefix + key,
    ...activePaths(sub, `${prefix}${key}.`),
  ]);
}

/** The resting status of a stored machine task (its machine is not loaded: no machine id). */
function storedMachine(persisted: unknown): MachineStatus {
  const p = persisted as { value?: unknown; status?: unknown } | undefined;
  if (!p || typeof p !== 'object' || typeof p.status !== 'string')
    return { machineId: '', value: '', active: [], status: 'pending' };
  return {
    machineId: '',
    value: JSON.stringify(p.value) ?? '',
    active: activePaths(p.value),
    status: p.status === 'active' ? 'stopped' : p.status,
  };
}

/** A task record as the `Task` message (no children). */
export function toTask(record: TaskRecord): Task {
  const task: Task = {
    id: record.id,
    name: record.name,
    kind: record.kind,
    state: record.state,
    message: record.message,
    paused: record.paused,
    parallelism: record.kind === TaskKind.NESTED ? record.parallelism : 0,
    failFast: record.kind === TaskKind.NESTED ? record.failFast : false,
    children: [],
    attempt: record.attempt,
    labels: { ...record.labels },
    parentId: record.parentId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.approval) task.approval = { ...record.approval };
  if (record.startedAt !== undefined) task.startedAt = record.startedAt;
  if (record.finishedAt !== undefined) task.finishedAt = record.finishedAt;
  if (record.kind === TaskKind.MACHINE) task.machine = storedMachine(record.machineSnapshot);
  return task;
}

/** A stored run's tree: its tasks by id, and its root. */
export interface StoredTree {
  root: Task;
  byId: Map<string, Task>;
}

/**
 * Builds the task tree of a stored run: children in their stored order. A record whose parent is
 * missing (a task the workflow no longer defines, kept in the store) is left out of the tree.
 */
export function storedTree(stored: StoredRun): StoredTree {
  const byId = new Map<string, Task>();
  const order = new Map<string, number>();
  let root: Task | undefined;
  for (const record of stored.tasks) {
    byId.set(record.id, toTask(record));
    order.set(record.id, record.index);
  }
  for (const task of byId.values()) {
    if (task.parentId === '') {
      root ??= task;
      continue;
    }
    byId.get(task.parentId)?.children.push(task);
  }
  for (const task of byId.values()) {
    if (task.children.length > 1)
      task.children.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }
  if (!root) {
    throw new RnrError(
      'RNR_ERR_JOB_NOT_FOUND',
      `run ${JSON.stringify(stored.run.id)} has no tasks in the store yet (it is being started)`,
    );
  }
  return { root, byId };
}

/** A stored run as the `Job` message. */
export function storedSnapshot(stored: StoredRun): JobSnapshot {
  const { run } = stored;
  return {
    id: run.id,
    name: run.name,
    root: storedTree(stored).root,
    createdAt: run.createdAt,
    seq: run.seq,
    workflow: run.workflow,
    run: run.run,
    input: run.input,
    trigger: run.trigger,
    startedBy: run.startedBy,
    labels: { ...run.labels },
  };
}

/** Cuts a task's children below `depth` levels (a copy; the tree is left as it is). */
export function toDepth(task: Task, depth: number): Task {
  return { ...task, children: depth > 0 ? task.children.map((c) => toDepth(c, depth - 1)) : [] };
}

/** One task of a stored run, with children to `depth` (`RNR_ERR_TASK_NOT_FOUND` otherwise). */
export function storedTask(stored: StoredRun, taskId: string, depth = Number.POSITIVE_INFINITY): Task {
  const task = storedTree(stored).byId.get(taskId);
  if (!task) {
    throw new RnrError(
      'RNR_ERR_TASK_NOT_FOUND',
      `job ${JSON.stringify(stored.run.id)} has no task ${JSON.stringify(taskId)}`,
    );
  }
  return toDepth(task, depth);
}

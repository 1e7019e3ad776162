import { activePaths } from './machine-state.js';
import type { JobSnapshot, JobSummary, MachineStatus, RunFields, Task } from './messages.js';
import type { RunRecord, StoredRun, TaskRecord } from './store.js';

// Runs drawn from the store alone (a finished run, another process's run): the Task tree from
// task records, and the Job / JobSummary messages from a run's record. What the engine shows of a
// run in memory, minus what only its definition knows (a machine's state names and messages).

/** The run fields of a run's record. */
export function runFieldsOf(run: RunRecord): RunFields {
  return {
    workflow: run.workflow,
    run: run.run,
    input: run.input,
    trigger: run.trigger,
    startedBy: run.startedBy,
    labels: { ...run.labels },
  };
}

/**
 * A run's `JobSummary` from its record (no task is read).
 *
 * @example
 * const page = await store.listRuns({ workflow: 'upgrade' });
 * const summaries = page.runs.map(runSummary);
 */
export function runSummary(run: RunRecord): JobSummary {
  const summary: JobSummary = {
    id: run.id,
    name: run.name,
    state: run.state,
    counts: { ...run.counts },
    createdAt: run.createdAt,
    total: run.total,
    seq: run.seq,
    ...runFieldsOf(run),
  };
  if (run.startedAt !== undefined) summary.startedAt = run.startedAt;
  if (run.finishedAt !== undefined) summary.finishedAt = run.finishedAt;
  // The owner the store knows (a run another process executes, or none).
  if (run.owner) summary.owner = { process: run.owner.process, epoch: run.owner.epoch };
  return summary;
}

/** What a machine task's persisted snapshot says of its statechart, without the machine. */
function machineOf(record: TaskRecord): MachineStatus | undefined {
  const snapshot = record.machineSnapshot as { value?: unknown; status?: unknown } | undefined;
  if (record.kind !== 2) return undefined;
  const value = snapshot?.value;
  return {
    machineId: '',
    value: value === undefined ? '' : JSON.stringify(value),
    active: activePaths(value),
    status: typeof snapshot?.status === 'string' ? snapshot.status : 'active',
  };
}

function taskOf(record: TaskRecord): Task {
  const task: Task = {
    id: record.id,
    name: record.name,
    kind: record.kind,
    state: record.state,
    message: record.message,
    paused: record.paused,
    parallelism: record.parallelism,
    failFast: record.failFast,
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
  if (record.retryAt !== undefined) task.retryAt = record.retryAt;
  const machine = machineOf(record);
  if (machine) task.machine = machine;
  return task;
}

/**
 * The `Task` tree of a run from its task records: children in their stored order (`index`, then
 * id), the root being the record without a parent. Records whose parent is missing hang nowhere
 * and are left out. Undefined when no record is a root (a run nothing was committed of).
 *
 * @example
 * const stored = await store.loadRun('upgrade-7');
 * const root = stored && taskTreeFromRecords(stored.tasks);
 */
export function taskTreeFromRecords(records: readonly TaskRecord[]): Task | undefined {
  const tasks = new Map<string, Task>();
  const order = new Map<string, number>();
  for (const record of records) {
    tasks.set(record.id, taskOf(record));
    order.set(record.id, record.index);
  }
  let root: Task | undefined;
  for (const record of records) {
    const task = tasks.get(record.id) as Task;
    if (record.parentId === '') root ??= task;
    else tasks.get(record.parentId)?.children.push(task);
  }
  const byPosition = (a: Task, b: Task) =>
    (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const task of tasks.values()) if (task.children.length > 1) task.children.sort(byPosition);
  return root;
}

/**
 * A run's `Job` message from the store alone: its record and its task tree (a root that was never
 * committed shows as the run's name, PENDING, without children).
 *
 * @example
 * const stored = await store.loadRun('upgrade-7');
 * if (stored) reply.send(runSnapshot(stored));
 */
export function runSnapshot(stored: StoredRun): JobSnapshot {
  const { run } = stored;
  const root = taskTreeFromRecords(stored.tasks) ?? {
    id: run.id,
    name: run.name,
    kind: 1,
    state: run.state,
    message: '',
    paused: false,
    parallelism: 0,
    failFast: false,
    children: [],
    attempt: 0,
    labels: {},
    parentId: '',
    createdAt: run.createdAt,
    updatedAt: run.createdAt,
  };
  const snapshot: JobSnapshot = {
    id: run.id,
    name: run.name,
    root,
    createdAt: run.createdAt,
    seq: run.seq,
    ...runFieldsOf(run),
  };
  if (run.owner) snapshot.owner = { process: run.owner.process, epoch: run.owner.epoch };
  return snapshot;
}

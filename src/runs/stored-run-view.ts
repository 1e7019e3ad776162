import {
  type AnyWorkflow,
  createJob,
  type JobSnapshot,
  memoryStore,
  RnrError,
  runSnapshot,
  type StoredRun,
  type Task,
  taskTreeFromRecords,
} from '../index.js';
import { buildRoot } from './run-loader.js';

// A run that is not in this process's memory is read from its records in the store, drawn by the
// engine's own views (runSummary, runSnapshot, taskTreeFromRecords): the same messages a live job
// answers. A store holds a record only for the tasks that ever changed, so the tasks the run's
// workflow defines are laid under them (built here as a takeover would build them).

/** Runs whose defined trees a process keeps (the most recently read)… */
const DEFINITIONS_KEPT = 32;
/** …and the tasks they may hold together (a 100,000-task tree is tens of MiB). */
const DEFINED_TASKS_KEPT = 200_000;

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

/**
 * The stored tree laid over the defined one: a task with a record is as stored (with any stored
 * children the definition lacks: children a function produced), one without is as defined, not yet
 * started, dated from the run's creation. A stored root of another id (the workflow changed its
 * root) is shown as stored.
 */
function overlay(defined: Task, stored: Task | undefined, createdAt: number): Task {
  if (stored && stored.id !== defined.id) return stored;
  const byId = new Map<string, Task>();
  const collect = (task: Task): void => {
    byId.set(task.id, task);
    for (const child of task.children) collect(child);
  };
  if (stored) collect(stored);
  const lay = (task: Task): Task => {
    const children = task.children.map(lay);
    const record = byId.get(task.id);
    if (!record) return { ...task, createdAt, updatedAt: createdAt, children };
    const ids = new Set(children.map((c) => c.id));
    for (const child of record.children) if (!ids.has(child.id)) children.push(child);
    return { ...record, children };
  };
  return lay(defined);
}

/** The tree `build(input)` defines for a run, as a job that has not started shows it. */
async function definedTree(workflow: AnyWorkflow, stored: StoredRun): Promise<Task | undefined> {
  try {
    const root = await buildRoot(workflow, stored.run, () => {});
    const job = createJob({ id: stored.run.id, name: stored.run.name, root, store: memoryStore() });
    try {
      return job.snapshot().root;
    } finally {
      await job.close();
    }
  } catch {
    return undefined; // a build that fails here shows the stored tasks alone
  }
}

/**
 * Views of runs read from the store, each with its whole task tree: the stored records over the
 * tasks its workflow defines for its input. Each run's definition is built once per process (the
 * workflow's `build`, as a takeover runs it) and kept for the last {@link DEFINITIONS_KEPT} runs
 * read; a run whose workflow this process does not have shows its stored tasks alone.
 */
export class StoredRunViews {
  private readonly defined = new Map<string, Promise<Task | undefined>>();
  /** The tasks of each kept tree, once built. */
  private readonly sizes = new Map<string, number>();

  constructor(private readonly workflowOf: (name: string) => AnyWorkflow | undefined) {}

  async snapshot(stored: StoredRun): Promise<JobSnapshot> {
    const snapshot = runSnapshot(stored);
    const defined = await this.definition(stored);
    if (defined) snapshot.root = overlay(defined, taskTreeFromRecords(stored.tasks), stored.run.createdAt);
    return snapshot;
  }

  /** One task, with children to `depth` (`RNR_ERR_TASK_NOT_FOUND` otherwise). */
  async task(stored: StoredRun, taskId: string, depth = Number.POSITIVE_INFINITY): Promise<Task> {
    const task = find((await this.snapshot(stored)).root, taskId);
    if (!task) {
      throw new RnrError(
        'RNR_ERR_TASK_NOT_FOUND',
        `job ${JSON.stringify(stored.run.id)} has no task ${JSON.stringify(taskId)}`,
      );
    }
    return toDepth(task, depth);
  }

  private definition(stored: StoredRun): Promise<Task | undefined> {
    const id = stored.run.id;
    const kept = this.defined.get(id);
    if (kept) {
      this.defined.delete(id); // the most recently read goes last
      this.defined.set(id, kept);
      return kept;
    }
    const workflow = this.workflowOf(stored.run.workflow);
    if (!workflow) return Promise.resolve(undefined);
    const building = definedTree(workflow, stored).then((tree) => {
      if (this.defined.get(id) === building) this.sizes.set(id, tree ? countTasks(tree) : 0);
      this.evict();
      return tree;
    });
    this.defined.set(id, building);
    this.evict();
    return building;
  }

  /** Drops the least recently read trees past the bounds (never the last one read). */
  private evict(): void {
    let tasks = 0;
    for (const n of this.sizes.values()) tasks += n;
    while (this.defined.size > 1 && (this.defined.size > DEFINITIONS_KEPT || tasks > DEFINED_TASKS_KEPT)) {
      const oldest = this.defined.keys().next().value as string;
      this.defined.delete(oldest);
      tasks -= this.sizes.get(oldest) ?? 0;
      this.sizes.delete(oldest);
    }
  }
}

function countTasks(task: Task): number {
  let n = 1;
  for (const child of task.children) n += countTasks(child);
  return n;
}

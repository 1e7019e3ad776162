import {
  type AnyWorkflow,
  type Clock,
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
/** Builds of runs' trees at once, and waiting: reads of many runs cost a bounded amount of work. */
const BUILDS_AT_ONCE = 2;
const BUILDS_WAITING = 64;
/** How long a read waits for its run's tree before it shows the stored tasks alone. */
const READ_WAIT_MS = 5_000;
/** A build that takes longer leaves its run showing the stored tasks alone. */
const BUILD_TIMEOUT_MS = 30_000;

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

/** `promise`, or `undefined` once `ms` passed on `clock` (the promise goes on). */
function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: unknown;
  const late = new Promise<undefined>((resolve) => {
    timer = clock.setTimeout(() => resolve(undefined), ms);
    (timer as { unref?: () => void }).unref?.(); // a wall-clock timer does not hold the process
  });
  return Promise.race([promise, late]).finally(() => clock.clearTimeout(timer));
}

/**
 * Views of runs read from the store, each with its whole task tree: the stored records over the
 * tasks its workflow defines for its input. Reads never make a process do unbounded work: at most
 * {@link BUILDS_AT_ONCE} builds run at once and {@link BUILDS_WAITING} wait; a read waits at most
 * {@link READ_WAIT_MS} for its run's tree, and a build that takes over {@link BUILD_TIMEOUT_MS} (or
 * fails) leaves that run showing its stored tasks alone. Trees are kept for the last
 * {@link DEFINITIONS_KEPT} runs read (at most {@link DEFINED_TASKS_KEPT} tasks besides the last
 * one); a run whose workflow this process does not have shows its stored tasks alone.
 */
export class StoredRunViews {
  /** By run id and creation time (a run id given again after a prune is another run). */
  private readonly defined = new Map<string, Promise<Task | undefined>>();
  /** The tasks of each kept tree, once built. */
  private readonly sizes = new Map<string, number>();
  private building = 0;
  private readonly waiting: (() => void)[] = [];

  /** Waits (a read for its tree, a build) on `clock`. */
  constructor(
    private readonly workflowOf: (name: string) => AnyWorkflow | undefined,
    private readonly clock: Clock,
  ) {}

  async snapshot(stored: StoredRun): Promise<JobSnapshot> {
    const snapshot = runSnapshot(stored);
    const defined = await within(this.clock, this.definition(stored), READ_WAIT_MS);
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
    const key = `${stored.run.id}@${stored.run.createdAt}`;
    const kept = this.defined.get(key);
    if (kept) {
      this.defined.delete(key); // the most recently read goes last
      this.defined.set(key, kept);
      return kept;
    }
    const workflow = this.workflowOf(stored.run.workflow);
    if (!workflow) return Promise.resolve(undefined);
    if (this.building >= BUILDS_AT_ONCE && this.waiting.length >= BUILDS_WAITING) {
      return Promise.resolve(undefined); // busy: this read shows the stored tasks, the next tries again
    }
    const built = this.slot()
      .then(() => within(this.clock, definedTree(workflow, stored), BUILD_TIMEOUT_MS))
      .finally(() => this.release())
      .then((tree) => {
        if (this.defined.get(key) === built) this.sizes.set(key, tree ? countTasks(tree) : 0);
        this.evict();
        return tree;
      });
    this.defined.set(key, built);
    this.evict();
    return built;
  }

  /** Resolves when a build may start. */
  private slot(): Promise<void> {
    if (this.building < BUILDS_AT_ONCE) {
      this.building++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.building--;
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

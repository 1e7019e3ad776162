import type { JobJson, TaskEventJson, TaskJson } from '../wire/json.js';
import { isDoneName, type SchedulingState, schedulingState, stateNames, stateOf } from '../wire/names.js';

/** What the terminal views know of one task. */
export interface ViewTask {
  id: string;
  name: string;
  kind: string;
  state: string;
  message: string;
  paused: boolean;
  attempt: number;
  /** A pending automatic retry: when (ms since epoch); absent when none. */
  retryAt?: number;
  /** The task's retry.attempts, when it has that option. */
  maxAttempts?: number;
  /** When the task last entered RUNNING (ms since epoch), for the elapsed column. */
  startedAt?: number;
  /** When the task last became DONE. */
  finishedAt?: number;
  /** The parent's id ('' for the root, undefined while unknown). */
  parentId?: string;
  /** Who paused it and why, when an event said so (a snapshot does not). */
  pausedBy?: { actor: string; reason: string };
}

/** A paused task and what waits on it, for the live view. */
export interface PausedTask {
  task: ViewTask;
  /** Tasks under it (itself, for a leaf) that will not start while it is paused. */
  blocked: number;
}

/** The scheduling group of a state name, as the engine sees it. */
const group = (state: string): SchedulingState => schedulingState(stateOf(state));

/**
 * A job as the terminal views see it: the tasks of one snapshot, kept current by applying events.
 * Counts and the active set are updated per event, so a view of a big job costs what changes.
 *
 * @example
 * const model = new JobModel(await api.getJob('upgrade'));
 * ws.on('message', (m) => model.apply(JSON.parse(m)));
 */
export class JobModel {
  readonly id: string;
  readonly name: string;
  readonly rootId: string;
  /** The seq of the last event applied (or of the snapshot). */
  seq: number;
  private readonly tasks = new Map<string, ViewTask>();
  private readonly counts = new Map<string, number>(stateNames.map((s) => [s, 0]));
  /** Leaves that are RUNNING, ACTION_PENDING or FAILED: what the live view lists. */
  private readonly notable = new Set<string>();
  /** Paused tasks that are not DONE. */
  private readonly paused = new Set<string>();
  /** Child ids by parent id. */
  private readonly children = new Map<string, string[]>();

  constructor(job: JobJson) {
    this.id = job.id;
    this.name = job.name ?? job.id;
    this.rootId = job.root.id;
    this.seq = job.seq ?? 0;
    const stack: [TaskJson, string][] = [[job.root, '']];
    for (let next = stack.pop(); next; next = stack.pop()) {
      const [task, parentId] = next;
      this.add({ ...task, parentId: task.parentId ?? parentId });
      for (const child of task.children ?? []) stack.push([child, task.id]);
    }
  }

  /** Adds (or replaces) one task, without its children. */
  add(task: TaskJson): void {
    const existing = this.tasks.get(task.id);
    this.put({
      id: task.id,
      name: task.name ?? task.id,
      kind: task.kind ?? 'CALLBACK',
      state: task.state ?? 'UNKNOWN',
      message: task.message ?? '',
      paused: task.paused ?? false,
      attempt: task.attempt ?? 0,
      retryAt: task.retryAt,
      maxAttempts: task.maxAttempts ?? existing?.maxAttempts,
      startedAt: task.startedAt,
      finishedAt: task.finishedAt,
      parentId: task.parentId ?? existing?.parentId,
      pausedBy: existing?.pausedBy,
    });
  }

  /** Puts one task's view in the model, replacing what it knew of that task. */
  private put(view: ViewTask): void {
    const existing = this.tasks.get(view.id);
    if (existing) this.bump(existing.state, -1);
    this.tasks.set(view.id, view);
    if (view.parentId && existing?.parentId === undefined) {
      const siblings = this.children.get(view.parentId);
      if (siblings) siblings.push(view.id);
      else this.children.set(view.parentId, [view.id]);
    }
    this.bump(view.state, 1);
    this.track(view);
  }

  /** True when the model has the task (an event about an unknown one adds a placeholder to look up). */
  has(id: string): boolean {
    return this.tasks.has(id);
  }

  /** True for a task known only from an event: its kind and name are still to be looked up. */
  isPlaceholder(id: string): boolean {
    return this.tasks.get(id)?.kind === 'UNKNOWN';
  }

  /** Applies one event; events at or below the current seq are ignored (no doubles on reconnect). */
  apply(event: TaskEventJson): boolean {
    if (event.seq <= this.seq) return false;
    this.seq = event.seq;
    let task = this.tasks.get(event.taskId);
    if (!task) {
      // A task born after the snapshot (children resolved at start): a placeholder until looked up.
      this.put({
        id: event.taskId,
        name: event.taskId,
        kind: 'UNKNOWN',
        state: event.from,
        message: '',
        paused: false,
        attempt: 0,
      });
      task = this.tasks.get(event.taskId) as ViewTask;
    }
    const to = event.to ?? 'UNKNOWN';
    if (to !== task.state) {
      this.bump(task.state, -1);
      this.bump(to, 1);
      const time = event.time ?? Date.now();
      const [from, into] = [group(task.state), group(to)];
      if (into === 'RUNNING' && from !== 'RUNNING') {
        task.startedAt = time;
        task.finishedAt = undefined;
      } else if (into === 'DONE') task.finishedAt = time;
      else if (from === 'DONE') task.finishedAt = undefined;
      task.state = to;
    }
    task.message = event.message ?? '';
    task.paused = event.paused ?? false;
    if (event.action === 'pause')
      task.pausedBy = { actor: event.actor || 'anonymous', reason: event.reason ?? '' };
    if (!task.paused) task.pausedBy = undefined;
    if (event.attempt !== undefined) task.attempt = event.attempt;
    // An event carries the task's pending retry as it stands after it: absent means none.
    task.retryAt = event.retryAt || undefined;
    this.track(task);
    return true;
  }

  /** The root task. */
  get root(): ViewTask | undefined {
    return this.tasks.get(this.rootId);
  }

  /** The root's state name. */
  get state(): string {
    return this.root?.state ?? 'UNKNOWN';
  }

  /** True when the root is SUCCESS, FAILED or SKIPPED. */
  get done(): boolean {
    return isDoneName(this.state);
  }

  /** How many tasks the model holds. */
  get total(): number {
    return this.tasks.size;
  }

  /** Tasks per state name (every name present). */
  countsByState(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Leaves that are RUNNING, ACTION_PENDING or FAILED, in first-seen order. */
  notableTasks(): ViewTask[] {
    return [...this.notable].map((id) => this.tasks.get(id)).filter((t): t is ViewTask => t !== undefined);
  }

  /**
   * How long the job has run by its own clock: from the root's start to its end (or `now`), so a
   * resumed job counts from when it first started, not from when this view began. Undefined
   * before the root starts.
   */
  elapsed(now: number): number | undefined {
    const root = this.root;
    if (root?.startedAt === undefined) return undefined;
    return (isDoneName(root.state) ? (root.finishedAt ?? now) : now) - root.startedAt;
  }

  /**
   * Paused tasks that are not DONE, outermost first, each with how many tasks wait on it: a paused
   * nested task starts none of its PENDING children (nor anything under them); a paused leaf is
   * neither started nor polled.
   */
  pausedTasks(): PausedTask[] {
    const out: PausedTask[] = [];
    for (const id of this.paused) {
      const task = this.tasks.get(id);
      if (!task) continue;
      const kids = this.children.get(id);
      const blocked =
        task.kind === 'NESTED' || kids
          ? (kids ?? []).reduce(
              (n, kid) => n + (this.tasks.get(kid)?.state === 'PENDING' ? this.size(kid) : 0),
              0,
            )
          : 1;
      out.push({ task, blocked });
    }
    return out.sort((a, b) => this.depth(a.task) - this.depth(b.task));
  }

  /** How many ancestors a task has (as far as the model knows them). */
  private depth(task: ViewTask): number {
    let n = 0;
    for (let at = task.parentId; at; at = this.tasks.get(at)?.parentId) n++;
    return n;
  }

  /** The number of tasks in the subtree of `id` (itself included). */
  private size(id: string): number {
    let n = 0;
    const stack = [id];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      n++;
      stack.push(...(this.children.get(next) ?? []));
    }
    return n;
  }

  private bump(state: string, by: number): void {
    this.counts.set(state, (this.counts.get(state) ?? 0) + by);
  }

  private track(task: ViewTask): void {
    const show = task.kind !== 'NESTED' && ['RUNNING', 'ACTION_PENDING', 'FAILED'].includes(task.state);
    if (show) this.notable.add(task.id);
    else this.notable.delete(task.id);
    if (task.paused && !isDoneName(task.state)) this.paused.add(task.id);
    else this.paused.delete(task.id);
  }
}

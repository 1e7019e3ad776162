import { isDoneName, stateNames, type WireEvent, type WireJob, type WireTask } from './wire.js';

/** What the terminal views know of one task. */
export interface ViewTask {
  id: string;
  name: string;
  kind: string;
  state: string;
  message: string;
  paused: boolean;
  attempt: number;
  /** When the task last entered RUNNING (ms since epoch), for the elapsed column. */
  startedAt?: number;
}

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

  constructor(job: WireJob) {
    this.id = job.id;
    this.name = job.name ?? job.id;
    this.rootId = job.root.id;
    this.seq = job.seq ?? 0;
    const stack: WireTask[] = [job.root];
    for (let task = stack.pop(); task; task = stack.pop()) {
      this.add(task);
      if (task.children) stack.push(...task.children);
    }
  }

  /** Adds (or replaces) one task, without its children. */
  add(task: WireTask): void {
    const existing = this.tasks.get(task.id);
    if (existing) this.bump(existing.state, -1);
    const view: ViewTask = {
      id: task.id,
      name: task.name ?? task.id,
      kind: task.kind ?? 'CALLBACK',
      state: task.state ?? 'UNKNOWN',
      message: task.message ?? '',
      paused: task.paused ?? false,
      attempt: task.attempt ?? 0,
      startedAt: task.startedAt,
    };
    this.tasks.set(view.id, view);
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
  apply(event: WireEvent): boolean {
    if (event.seq <= this.seq) return false;
    this.seq = event.seq;
    let task = this.tasks.get(event.taskId);
    if (!task) {
      // A task born after the snapshot (children resolved at start): a placeholder until looked up.
      this.add({ id: event.taskId, kind: 'UNKNOWN', state: event.from });
      task = this.tasks.get(event.taskId) as ViewTask;
    }
    const to = event.to ?? 'UNKNOWN';
    if (to !== task.state) {
      this.bump(task.state, -1);
      this.bump(to, 1);
      if (to === 'RUNNING' && task.state !== 'ACTION_PENDING') task.startedAt = event.time ?? Date.now();
      task.state = to;
    }
    task.message = event.message ?? '';
    task.paused = event.paused ?? false;
    if (event.attempt !== undefined) task.attempt = event.attempt;
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

  private bump(state: string, by: number): void {
    this.counts.set(state, (this.counts.get(state) ?? 0) + by);
  }

  private track(task: ViewTask): void {
    const show = task.kind !== 'NESTED' && ['RUNNING', 'ACTION_PENDING', 'FAILED'].includes(task.state);
    if (show) this.notable.add(task.id);
    else this.notable.delete(task.id);
  }
}

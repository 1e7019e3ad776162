import type { Approval, JobJson, MachineStatus, TaskEventJson, TaskJson } from '../../../wire/json.js';
import { isActive, isDone, kindOf, stateOf, TaskState } from '../../../wire/names.js';

const NONE = 0;
const STATES = 7;

/**
 * A job's task tree flattened into preorder arrays, so that 100,000 tasks cost a few typed arrays
 * rather than 100,000 objects, a subtree is the index range `[i, i + size[i])`, and an event
 * updates one task and its parent's child counts in O(1).
 */
export class TaskTree {
  readonly jobId: string;
  readonly jobName: string;
  readonly createdAt: number;
  /** What the snapshot says of the run (workflow, number, input, trigger, who started it). */
  readonly run: Pick<JobJson, 'workflow' | 'run' | 'input' | 'trigger' | 'startedBy'>;
  /** Seq of the last event applied. */
  seq: number;
  /** Bumped on every change; views compare it to know when to redraw. */
  version = 0;
  readonly n: number;
  readonly ids: string[] = [];
  readonly names: string[] = [];
  readonly messages: string[] = [];
  readonly index = new Map<string, number>();
  readonly parent: Int32Array;
  readonly depth: Uint16Array;
  readonly size: Uint32Array;
  readonly state: Uint8Array;
  readonly paused: Uint8Array;
  /** A `TaskKind` per task: 0 callback, 1 nested, 2 machine. */
  readonly kind: Uint8Array;
  readonly parallelism: Uint32Array;
  readonly attempt: Uint32Array;
  readonly startedAt: Float64Array;
  readonly finishedAt: Float64Array;
  /** Per task, its direct children per state: `childCounts[i * 7 + state]`. */
  readonly childCounts: Uint32Array;
  readonly children: number[][] = [];
  /** Tasks per state across the job. */
  readonly counts = new Uint32Array(STATES);
  /** Tasks that wait for a human: ACTION_PENDING or FAILED. */
  readonly attention = new Set<number>();
  readonly approvals = new Map<number, Approval>();
  readonly machines = new Map<number, MachineStatus>();
  readonly labels = new Map<number, Record<string, string>>();
  /** Tasks waiting for an automatic retry: when it starts (ms since the epoch). Few, so a map. */
  readonly retryAt = new Map<number, number>();
  /** Tasks with a `retry` option: their tries in all. */
  readonly maxAttempts = new Map<number, number>();

  constructor(job: JobJson) {
    this.jobId = job.id;
    this.jobName = job.name ?? job.id;
    this.createdAt = job.createdAt ?? 0;
    const { workflow, run, input, trigger, startedBy } = job;
    this.run = { workflow, run, input, trigger, startedBy };
    this.seq = job.seq ?? 0;
    const order: TaskJson[] = [];
    const parents: number[] = [];
    const depths: number[] = [];
    const stack: [TaskJson, number, number][] = [[job.root, -1, 0]];
    while (stack.length > 0) {
      const [task, parentIndex, d] = stack.pop()!;
      order.push(task);
      parents.push(parentIndex);
      depths.push(d);
      const kids = task.children ?? [];
      const me = order.length - 1;
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, me, d + 1]);
    }
    const n = order.length;
    this.n = n;
    this.parent = Int32Array.from(parents);
    this.depth = Uint16Array.from(depths);
    this.size = new Uint32Array(n).fill(1);
    this.state = new Uint8Array(n);
    this.paused = new Uint8Array(n);
    this.kind = new Uint8Array(n);
    this.parallelism = new Uint32Array(n);
    this.attempt = new Uint32Array(n);
    this.startedAt = new Float64Array(n);
    this.finishedAt = new Float64Array(n);
    this.childCounts = new Uint32Array(n * STATES);
    for (let i = 0; i < n; i++) {
      const t = order[i]!;
      this.ids.push(t.id);
      this.names.push(t.name ?? t.id);
      this.messages.push(t.message ?? '');
      this.children.push([]);
      this.index.set(t.id, i);
      const st = stateOf(t.state);
      this.state[i] = st;
      this.paused[i] = t.paused ? 1 : 0;
      this.kind[i] = kindOf(t.kind);
      this.parallelism[i] = t.parallelism ?? 0;
      this.attempt[i] = t.attempt ?? 0;
      this.startedAt[i] = t.startedAt ?? NONE;
      this.finishedAt[i] = t.finishedAt ?? NONE;
      if (t.approval?.by) this.approvals.set(i, t.approval);
      if (t.machine) this.machines.set(i, t.machine);
      if (t.labels && Object.keys(t.labels).length > 0) this.labels.set(i, t.labels);
      if (t.retryAt) this.retryAt.set(i, t.retryAt);
      if (t.maxAttempts) this.maxAttempts.set(i, t.maxAttempts);
      this.counts[st]!++;
      if (st === TaskState.ACTION_PENDING || st === TaskState.FAILED) this.attention.add(i);
    }
    for (let i = n - 1; i > 0; i--) {
      const p = this.parent[i]!;
      this.size[p]! += this.size[i]!;
      this.childCounts[p * STATES + this.state[i]!]!++;
    }
    for (let i = 1; i < n; i++) this.children[this.parent[i]!]!.push(i);
  }

  /** Number of direct children of task `i`. */
  childTotal(i: number): number {
    return this.children[i]!.length;
  }

  /** Direct children of `i` in state `state`. */
  childCount(i: number, state: number): number {
    return this.childCounts[i * STATES + state]!;
  }

  /** Direct children of `i` that are DONE. */
  childDone(i: number): number {
    return (
      this.childCount(i, TaskState.SUCCESS) +
      this.childCount(i, TaskState.FAILED) +
      this.childCount(i, TaskState.SKIPPED)
    );
  }

  /** Direct children of `i` that are running or waiting for approval. */
  childRunning(i: number): number {
    return this.childCount(i, TaskState.RUNNING) + this.childCount(i, TaskState.ACTION_PENDING);
  }

  /** Tasks that are DONE across the job. */
  doneTotal(): number {
    return this.counts[TaskState.SUCCESS]! + this.counts[TaskState.FAILED]! + this.counts[TaskState.SKIPPED]!;
  }

  /**
   * Applies one event. Returns false when the event names a task this tree does not know (its
   * parent's children were resolved after the snapshot): the caller reloads the snapshot.
   */
  apply(ev: TaskEventJson): boolean {
    if (ev.seq <= this.seq) return true;
    const i = this.index.get(ev.taskId);
    if (i === undefined) return false;
    this.seq = ev.seq;
    this.version++;
    const to = stateOf(ev.to);
    const from = this.state[i]!;
    if (to !== from) this.setState(i, from, to, ev.time ?? Date.now());
    if (ev.paused !== undefined) this.paused[i] = ev.paused ? 1 : 0;
    if (ev.message !== undefined) this.messages[i] = ev.message;
    if (ev.attempt !== undefined) this.attempt[i] = ev.attempt;
    // An event carries the pending retry as it stands after it: absent, none.
    if (ev.retryAt) this.retryAt.set(i, ev.retryAt);
    else this.retryAt.delete(i);
    if (ev.parallelism && this.kind[i] === 1) this.parallelism[i] = ev.parallelism;
    if (ev.action === 'approve' && ev.actor) this.approvals.set(i, { by: ev.actor, at: ev.time ?? 0 });
    if (ev.action === 'retry') this.approvals.delete(i);
    return true;
  }

  private setState(i: number, from: number, to: number, time: number): void {
    this.state[i] = to;
    this.counts[from]!--;
    this.counts[to]!++;
    const p = this.parent[i]!;
    if (p >= 0) {
      this.childCounts[p * STATES + from]!--;
      this.childCounts[p * STATES + to]!++;
    }
    if (to === TaskState.ACTION_PENDING || to === TaskState.FAILED) this.attention.add(i);
    else this.attention.delete(i);
    if (isActive(to) && !isActive(from)) {
      // A fresh start (or a retry) restarts the clock; a reopened DONE task keeps its first start.
      if (this.startedAt[i] === NONE || !isDone(from)) this.startedAt[i] = time;
      this.finishedAt[i] = NONE;
    }
    if (isDone(to)) this.finishedAt[i] = time;
    if (to === TaskState.PENDING || to === TaskState.UNKNOWN) {
      this.startedAt[i] = NONE;
      this.finishedAt[i] = NONE;
    }
  }

  /** The ids of the path from the root to `i`, root first. */
  ancestors(i: number): number[] {
    const path: number[] = [];
    for (let p = this.parent[i]!; p >= 0; p = this.parent[p]!) path.unshift(p);
    return path;
  }
}

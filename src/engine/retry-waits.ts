import type { Clock } from './clock.js';
import { capMessage } from './message-cap.js';
import {
  backoffDelay,
  type RetryPolicy,
  retriesExhaustedLine,
  retryStartLine,
  retryWaitLine,
} from './retry-policy.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, type TaskState } from './task-state.js';
import { EventCause, TaskKind } from './types.js';

/** What the retry waits need of the transition core. */
export interface RetryHost {
  readonly clock: Clock;
  /** The leaves a tick polls: a waiting task leaves it, and comes back when it tries again. */
  readonly runningLeaves: Set<TaskNode>;
  record(node: TaskNode, from: TaskState, cause: EventCause): void;
  /** Starts a machine task's own actor (fresh: a new try). */
  ensureMachine(node: TaskNode, fresh: boolean): void;
}

interface Due {
  at: number;
  /** Order of arrival: retries due at the same ms start in the order they were planned. */
  seq: number;
  node: TaskNode;
}

const before = (a: Due, b: Due): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** The `retry` option of a task, if it has one. */
export function retryPolicyOf(node: TaskNode): RetryPolicy | undefined {
  return node.spec.kind === TaskKind.NESTED ? undefined : node.spec.retry;
}

/** A `random()` of the job's clock (seeded under `TestClock`), else `Math.random`. */
export function randomOf(clock: Clock): () => number {
  return () => (clock.random ? clock.random() : Math.random());
}

/** The start of a waiting task's status line, which a cancel takes off (`attempt 1 failed: …` stays). */
const waitPrefix = /^retrying (?:in \S+|on the next tick), attempt \d+\/\d+; /;

/**
 * Tasks waiting for an automatic retry, as a due-list: a binary min-heap keyed by `retryAt`. A
 * waiting task stays RUNNING but leaves the set of leaves a tick polls, so waiting costs a tick
 * nothing; each tick looks at the head of the heap only (O(1) when nothing is due, O(log n) per
 * retry that starts). A cancelled wait leaves its entry behind, dropped when it comes up (an entry
 * counts only while its task's `retryAt` is still its time).
 */
export class RetryWaits {
  private readonly heap: Due[] = [];
  private seq = 0;

  constructor(private readonly host: RetryHost) {}

  /**
   * A try of `node` would end FAILED (its status line saying why): when its `retry` option allows
   * another try, plans it — `retryAt`, the status line, the machine stopped, out of the polled set —
   * and returns true (the caller records the task as RUNNING). Otherwise false, and a task with the
   * option gets the line saying no retry is left.
   */
  plan(node: TaskNode): boolean {
    const policy = retryPolicyOf(node);
    if (!policy) return false;
    const why = node.message;
    if (node.attempt + 1 >= policy.attempts) {
      node.message = capMessage(retriesExhaustedLine(policy, node.attempt, why));
      return false;
    }
    const delay = backoffDelay(policy, node.attempt + 1, randomOf(this.host.clock));
    node.message = capMessage(retryWaitLine(policy, node.attempt, delay, why));
    node.pollErrors = 0;
    if (node.machine) {
      // Stopping keeps the failed snapshot on the record, for the view, until the next try.
      node.machine.stop();
      node.machine = undefined;
    }
    this.wait(node, this.host.clock.now() + delay);
    return true;
  }

  /** Puts a task (RUNNING, `retryAt` set: planned now or restored from a store) on the due-list. */
  wait(node: TaskNode, at: number): void {
    node.retryAt = at;
    this.host.runningLeaves.delete(node);
    this.push(at, node);
  }

  /**
   * Cancels the pending retry of `node` (an operator acted on it): `retryAt` cleared, the waiting
   * words taken off its status line, and a task still RUNNING is polled again. False when none.
   */
  cancel(node: TaskNode): boolean {
    if (node.retryAt === undefined) return false;
    node.retryAt = undefined;
    node.message = node.message.replace(waitPrefix, '');
    if (group(node.state) === SchedulingGroup.RUNNING) this.host.runningLeaves.add(node);
    return true;
  }

  /** A paused task whose retry came due meanwhile tries again at the first tick after its resume. */
  resumed(node: TaskNode): void {
    if (node.retryAt !== undefined) this.push(node.retryAt, node);
  }

  /** Starts every retry due at `now` (a tick, before its polls: each is polled in that tick). */
  startDue(now: number): void {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as Due).at <= now) {
      const { at, node } = this.pop();
      if (node.retryAt !== at) continue;
      // Paused: the entry goes; `resumed` puts it back.
      if (node.paused) continue;
      this.start(node, now);
    }
  }

  /** The next try begins: attempt + 1, a fresh count of poll errors, a fresh actor for a machine. */
  private start(node: TaskNode, now: number): void {
    const policy = retryPolicyOf(node);
    node.retryAt = undefined;
    node.attempt += 1;
    node.pollErrors = 0;
    node.approval = undefined;
    node.machineSnapshot = undefined;
    node.message = policy ? retryStartLine(policy, node.attempt) : '';
    node.updatedAt = now;
    this.host.runningLeaves.add(node);
    this.host.record(node, node.state, EventCause.SCHEDULER);
    if (node.spec.kind === TaskKind.MACHINE) this.host.ensureMachine(node, true);
  }

  private push(at: number, node: TaskNode): void {
    const heap = this.heap;
    const entry: Due = { at, seq: this.seq++, node };
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(entry, heap[up] as Due)) break;
      heap[i] = heap[up] as Due;
      i = up;
    }
    heap[i] = entry;
  }

  private pop(): Due {
    const heap = this.heap;
    const top = heap[0] as Due;
    const last = heap.pop() as Due;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const c = r < heap.length && before(heap[r] as Due, heap[l] as Due) ? r : l;
      if (!before(heap[c] as Due, last)) break;
      heap[i] = heap[c] as Due;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

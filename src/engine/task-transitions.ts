import { type AnyStateMachine, transition } from 'xstate';
import { nestedSchedulingMachine } from '../../machines/nested.machine.js';
import { type TaskMachineEvent, taskMachine } from '../../machines/task.machine.js';
import type { Clock } from './clock.js';
import type { EventLog, EventMeta } from './event-log.js';
import { createMachineRunner, type MachineHost } from './machine-task.js';
import { RetryWaits } from './retry-waits.js';
import { chartContextOf, stateOfValue, type TaskActors } from './task-actors.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, stateName, TaskState } from './task-state.js';
import { EventCause, TaskKind } from './types.js';

/** What the transition core needs of its job. */
export interface TransitionHost {
  readonly jobId: string;
  readonly clock: Clock;
  /** Discards the poll in flight on a task (its signal aborts, its result is ignored). */
  abortPoll(node: TaskNode, reason: string): void;
  internalError(where: string, err: unknown): void;
}

const SETTLE = Object.freeze({ type: 'settle' as const });
const STAY_RUNNING = Object.freeze({ type: 'result' as const, state: 'RUNNING' as const });
const START = Object.freeze({ type: 'start' as const });

/**
 * The transition core: the one place where a task changes. The task's chart decides its next state
 * (the task's actor while it has one, XState's pure `transition()` on its record otherwise); the
 * core then keeps everything that follows in step: times, the per-state counts, the parent's
 * counters, the sets of running tasks a tick visits, the task's actor and machine, and the event
 * that records the change. Then it tells the parent's actor, which may settle in turn (and so on up
 * the tree). The scheduler, the poll runner, the machine runners and the operator verbs change
 * tasks only through it; `commit()` is the one path by which changes reach the store and then
 * subscribers.
 */
export class TaskTransitions {
  /** Tasks per state, indexed by `TaskState`. */
  readonly counts = [0, 0, 0, 0, 0, 0, 0];
  /** Leaves (callback and machine tasks) in scheduling RUNNING: the tasks a tick polls. */
  readonly runningLeaves = new Set<TaskNode>();
  /** Nested tasks in scheduling RUNNING: the tasks a tick asks to start children. */
  readonly runningNested = new Set<TaskNode>();
  /** Tasks waiting for an automatic retry (out of `runningLeaves` meanwhile), by due time. */
  readonly retries: RetryWaits;
  private machines: MachineHost | undefined;
  private commitQueued = false;

  constructor(
    private readonly host: TransitionHost,
    private readonly log: EventLog,
    private readonly actors: TaskActors,
  ) {
    this.retries = new RetryWaits({
      clock: host.clock,
      runningLeaves: this.runningLeaves,
      record: (node, from, cause) => this.record(node, from, cause),
      ensureMachine: (node, fresh) => this.ensureMachine(node, fresh),
    });
  }

  /** Applies a task-chart event and records the resulting change; true when the state changed. */
  apply(
    node: TaskNode,
    event: TaskMachineEvent,
    cause: EventCause,
    meta?: EventMeta,
    force = false,
  ): boolean {
    // A try that would end FAILED waits RUNNING for its automatic retry, when its option allows one.
    if (
      cause === EventCause.POLL &&
      event.type === 'result' &&
      event.state === 'FAILED' &&
      this.retries.plan(node)
    ) {
      event = STAY_RUNNING;
      force = true;
    }
    const from = node.state;
    let next: TaskState;
    if (node.actor) {
      node.actor.send(event);
      next = this.actors.stateOf(node);
    } else next = recordTransition(node, event);
    if (next === from && !force) return false;
    this.setState(node, next, cause, meta, false);
    return true;
  }

  /**
   * Records the start of a task whose parent's chart (or the job's) just started it: its actor was
   * born in the state its chart's `start` leads to (see TaskActors).
   */
  started(node: TaskNode): void {
    if (!node.actor) return;
    // A nested task that kept its actor to hold running children is started by the event.
    if (this.actors.stateOf(node) === node.state) node.actor.send(START);
    const next = this.actors.stateOf(node);
    if (next === node.state) return;
    this.setState(node, next, EventCause.SCHEDULER, undefined, true);
    if (node.spec.kind === TaskKind.MACHINE) this.ensureMachine(node, true);
  }

  /** Records a nested task's settling, when its actor settled on an event the core did not send. */
  settledIfChanged(node: TaskNode): void {
    if (!node.actor) return;
    const next = this.actors.stateOf(node);
    if (next !== node.state) this.settled(node, next);
  }

  /** Records a message-only change (a poll's status line). */
  setMessage(node: TaskNode, message: string, cause: EventCause): void {
    if (node.message === message) return;
    node.message = message;
    node.updatedAt = this.host.clock.now();
    this.record(node, node.state, cause);
  }

  /** Pauses or resumes a task; false (nothing recorded here: the operator verb records it). */
  setPaused(node: TaskNode, paused: boolean): boolean {
    if (node.paused === paused) return false;
    node.paused = paused;
    node.updatedAt = this.host.clock.now();
    node.actor?.send({ type: paused ? 'pause' : 'resume' });
    // A pause cancels a pending retry (an operator's action on the task): after the resume the task
    // is polled again as it is. A retry planned while paused starts once due after the resume.
    if (paused) this.retries.cancel(node);
    else this.retries.resumed(node);
    return false;
  }

  /**
   * An operator's action on a task waiting for a retry that left it RUNNING (`set RUNNING`): the
   * wait is cancelled and recorded, and the task is polled (a machine task's actor started) again.
   * False when nothing was waiting.
   */
  retryCancelled(node: TaskNode, meta: EventMeta): boolean {
    if (!this.retries.cancel(node)) return false;
    node.updatedAt = this.host.clock.now();
    this.record(node, node.state, EventCause.OPERATOR, meta);
    if (group(node.state) === SchedulingGroup.RUNNING) this.ensureMachine(node, false);
    return true;
  }

  /** Sets a nested task's parallelism (an operator's): its chart uses it from the next tick. */
  setParallelism(node: TaskNode, parallelism: number): void {
    node.parallelism = parallelism;
    node.parallelismSet = true;
    node.actor?.send({ type: 'parallelism', parallelism });
  }

  /** Records an event for `node`, whose state was `from` (a change, or an operator's action). */
  record(node: TaskNode, from: TaskState, cause: EventCause, meta?: EventMeta): void {
    this.log.record(node, from, cause, meta);
  }

  /** Marks a task's record for the next commit without an event (a machine's new snapshot). */
  touch(node: TaskNode): void {
    this.log.touch(node);
  }

  /**
   * Commits what changed, then publishes its events; resolves once durable, rejects with the
   * store's error (the job then halts: see commit-pipeline.ts).
   */
  commit(): Promise<void> {
    return this.log.commit();
  }

  /** Commits soon (after async poll results and machine snapshots), in one batch per microtask turn. */
  queueCommit(): void {
    if (this.commitQueued) return;
    this.commitQueued = true;
    queueMicrotask(() => {
      this.commitQueued = false;
      // A failure halts the job (the pipeline tells it); nobody waits for this batch.
      void this.log.commit();
    });
  }

  /** Counts a subtree that came to exist (the tree at creation, children a function produced). */
  initCounters(top: TaskNode): void {
    const stack = [top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      (this.counts[node.state] as number)++;
      if (node.parent) count(node.parent, node, node.state, 1);
      if (node.children) for (const child of node.children) stack.push(child);
    }
  }

  /** Gives the active tasks of a counted subtree their actors and machines (a restored job). */
  activate(top: TaskNode): void {
    const stack = [top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (group(node.state) !== SchedulingGroup.RUNNING) node.retryAt = undefined;
      else {
        this.actors.adopt(node, node.state);
        if (node.isNested) this.runningNested.add(node);
        // A pending retry survives a restart: the task waits for it again, unpolled.
        else if (node.retryAt !== undefined) this.retries.wait(node, node.retryAt);
        else {
          this.runningLeaves.add(node);
          if (node.spec.kind === TaskKind.MACHINE) this.ensureMachine(node, false);
        }
      }
      if (node.children)
        for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as TaskNode);
    }
  }

  /** Starts a machine task's own actor (fresh, or from its stored snapshot) while it runs. */
  ensureMachine(node: TaskNode, fresh: boolean): void {
    if (node.machine || node.spec.kind !== TaskKind.MACHINE || node.retryAt !== undefined) return;
    const runner = createMachineRunner(node, fresh ? undefined : node.machineSnapshot, this.machineHost());
    // A machine that finished or failed as it started has left RUNNING already (or waits to retry).
    if (group(node.state) === SchedulingGroup.RUNNING && node.retryAt === undefined) node.machine = runner;
    else runner.stop();
  }

  /**
   * Applies a change the chart decided. `byParent`: the parent's chart started the task and has
   * counted it already, so it is not told.
   */
  private setState(
    node: TaskNode,
    to: TaskState,
    cause: EventCause,
    meta: EventMeta | undefined,
    byParent: boolean,
  ): void {
    const from = node.state;
    const gFrom = group(from);
    const gTo = group(to);
    // First the actor of a task that becomes active: an ancestor that gets one to hold it counts
    // its children as they were, and hears of this change below like of any other.
    if (gTo === SchedulingGroup.RUNNING && !node.actor) this.actors.adopt(node, to);
    // An operator's change, or leaving RUNNING, cancels a pending retry.
    if (node.retryAt !== undefined && (gTo !== SchedulingGroup.RUNNING || cause === EventCause.OPERATOR))
      this.retries.cancel(node);
    const now = this.host.clock.now();
    node.state = to;
    node.updatedAt = now;
    node.stateSetByOperator = cause === EventCause.OPERATOR;
    (this.counts[from] as number)--;
    (this.counts[to] as number)++;
    if (gTo === SchedulingGroup.RUNNING && gFrom !== SchedulingGroup.RUNNING) {
      node.startedAt = now;
      node.finishedAt = undefined;
    } else if (gTo === SchedulingGroup.DONE) node.finishedAt = now;
    else if (gFrom === SchedulingGroup.DONE) node.finishedAt = undefined;
    if (node.parent) {
      count(node.parent, node, from, -1);
      count(node.parent, node, to, 1);
    }
    const running = node.isNested ? this.runningNested : this.runningLeaves;
    let startMachine = false;
    if (gTo === SchedulingGroup.RUNNING) {
      // A task waiting for its retry is not polled: it stays out of the set until the retry starts.
      if (node.retryAt === undefined) running.add(node);
      startMachine = node.spec.kind === TaskKind.MACHINE && cause !== EventCause.SCHEDULER;
    } else if (gFrom === SchedulingGroup.RUNNING) {
      running.delete(node);
      if (node.inflight && cause !== EventCause.POLL) this.host.abortPoll(node, 'task left RUNNING');
    }
    if (gTo !== SchedulingGroup.RUNNING && node.machine) {
      node.machine.stop();
      node.machine = undefined;
    }
    this.record(node, from, cause, meta);
    // After the record: what a machine reports as it starts comes after the change that started it.
    if (startMachine) this.ensureMachine(node, false);
    if (!byParent) this.tellParent(node, from, to);
    // A nested task made RUNNING other than by a tick settles at once if its children allow.
    if (node.isNested && gTo === SchedulingGroup.RUNNING && gFrom !== SchedulingGroup.RUNNING && !byParent) {
      node.actor?.send(SETTLE);
      this.settledIfChanged(node);
    }
  }

  /**
   * Tells the parent's actor (the job's, for the root) that a child changed: it counts, stops the
   * child's actor when the child no longer needs one, and may settle, which is recorded here too.
   */
  private tellParent(node: TaskNode, from: TaskState, to: TaskState): void {
    const release =
      node.actor !== undefined && group(to) !== SchedulingGroup.RUNNING && node.liveChildren === 0;
    const parent = node.parent;
    if (!parent) {
      if (release) this.actors.tellParent(node, from, to, true);
      if (release) node.actor = undefined;
      return;
    }
    if (!parent.actor || (!release && !countsChange(from, to))) return;
    this.actors.tellParent(node, from, to, release);
    if (release) {
      node.actor = undefined;
      parent.liveChildren--;
    }
    const next = this.actors.stateOf(parent);
    if (next !== parent.state) this.settled(parent, next);
    else if (parent.liveChildren === 0 && group(parent.state) !== SchedulingGroup.RUNNING)
      // A nested task that only held running children lets its actor go with the last of them.
      this.tellParent(parent, parent.state, parent.state);
  }

  /** Records the state a nested task's chart settled in, with a summary of its children. */
  private settled(node: TaskNode, next: TaskState): void {
    if (next === TaskState.SUCCESS || next === TaskState.FAILED)
      node.message = summarize(node.children ?? [], next);
    this.setState(node, next, EventCause.SCHEDULER, undefined, false);
  }

  /** One host for every machine task of the job (its callbacks get the task). */
  private machineHost(): MachineHost {
    this.machines ??= {
      jobId: this.host.jobId,
      clock: this.host.clock,
      inspect: this.actors.inspect,
      now: () => this.host.clock.now(),
      apply: (n, state, message) => {
        n.message = message;
        const changed =
          state !== n.state && this.apply(n, { type: 'result', state: stateName(state) }, EventCause.POLL);
        if (!changed) this.record(n, n.state, EventCause.POLL);
        this.queueCommit();
      },
      persist: (n) => {
        this.touch(n);
        // A step between polls (an invoked promise settled) is committed without waiting for a tick.
        this.queueCommit();
      },
      error: (where, err) => this.host.internalError(where, err),
    };
    return this.machines;
  }
}

/** The next state of a task without an actor: its chart's pure transition on its record. */
function recordTransition(node: TaskNode, event: TaskMachineEvent): TaskState {
  const chart: AnyStateMachine = node.isNested ? nestedSchedulingMachine : taskMachine;
  const snapshot = chart.resolveState({ value: stateName(node.state), context: chartContextOf(node) });
  const [after] = transition(chart, snapshot, event);
  return stateOfValue(after.value);
}

/** True when a change moves a child in or out of its parent's counters. */
function countsChange(from: TaskState, to: TaskState): boolean {
  return group(from) !== group(to) || (from === TaskState.FAILED) !== (to === TaskState.FAILED);
}

/** Moves `child` in or out of its parent's counters (scheduling group, FAILED, the cursor). */
function count(parent: TaskNode, child: TaskNode, state: TaskState, delta: number): void {
  const g = group(state);
  if (g === SchedulingGroup.PENDING) {
    parent.pendingCount += delta;
    if (delta > 0 && child.index < parent.cursor) parent.cursor = child.index;
  } else if (g === SchedulingGroup.RUNNING) parent.runningCount += delta;
  else if (state === TaskState.FAILED) parent.failedCount += delta;
}

/** The status line of a nested task that settled: which children failed, or how many are done. */
function summarize(children: readonly TaskNode[], settled: TaskState.SUCCESS | TaskState.FAILED): string {
  if (settled === TaskState.FAILED) {
    const failed = children.filter((c) => c.state === TaskState.FAILED).map((c) => c.name);
    const shown = failed.slice(0, 3).join(', ') + (failed.length > 3 ? `, +${failed.length - 3} more` : '');
    return `${failed.length} ${failed.length === 1 ? 'child' : 'children'} failed: ${shown}`;
  }
  const skipped = children.filter((c) => c.state === TaskState.SKIPPED).length;
  return `${children.length - skipped} done${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

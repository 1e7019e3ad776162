import { createActor, transition } from 'xstate';
import { type TaskMachineEvent, type TaskStateKey, taskMachine } from '../../machines/task.machine.js';
import type { Clock } from './clock.js';
import type { EventLog, EventMeta } from './event-log.js';
import { createMachineRunner, type MachineHost } from './machine-task.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, stateName, TaskState } from './task-state.js';
import { EventCause, type JobOptions, TaskKind } from './types.js';

/** What the transition core needs of its job. */
export interface TransitionHost {
  readonly jobId: string;
  readonly clock: Clock;
  /** `JobOptions.inspect`, given to every actor the core creates. */
  readonly inspect: JobOptions['inspect'];
  /** Discards the poll in flight on a task (its signal aborts, its result is ignored). */
  abortPoll(node: TaskNode, reason: string): void;
  /** Runs just before each commit (settles nested tasks whose children finished). */
  beforeCommit(): void;
  internalError(where: string, err: unknown): void;
}

const unknownSnapshot = (node: TaskNode) =>
  taskMachine.resolveState({ value: 'UNKNOWN', context: { attempt: node.attempt, paused: node.paused } });

/**
 * The transition core: the one place where a task changes. It decides a task's next state with the
 * task statechart (the task's actor while it is active, XState's pure `transition()` on its record
 * otherwise), then keeps everything that follows from the change in step: times, the per-state
 * counts, the parent's counters, the set of polled leaves, the nested tasks to schedule, the task's
 * actor and machine, and the event that records it. The scheduler, the poll runner, the machine
 * runners and the operator verbs change tasks only through it; `commit()` is the one path by which
 * changes reach the store and then subscribers.
 */
export class TaskTransitions {
  /** Tasks per state, indexed by `TaskState`. */
  readonly counts = [0, 0, 0, 0, 0, 0, 0];
  /** Leaves (callback and machine tasks) in scheduling RUNNING: the tasks a tick polls. */
  readonly active = new Set<TaskNode>();
  /** Nested tasks whose children changed: to schedule and settle. */
  readonly dirty = new Set<TaskNode>();
  private machines: MachineHost | undefined;
  private commitQueued = false;

  constructor(
    private readonly host: TransitionHost,
    private readonly log: EventLog,
  ) {}

  /** Applies a task-chart event and records the resulting change; true when the state changed. */
  apply(
    node: TaskNode,
    event: TaskMachineEvent,
    cause: EventCause,
    meta?: EventMeta,
    force = false,
  ): boolean {
    const from = node.state;
    let next: TaskState;
    if (!node.actor && event.type === 'start' && group(from) === SchedulingGroup.PENDING) {
      // The common path: a PENDING record becomes an actor as it starts.
      node.actor = createActor(taskMachine, {
        input: { attempt: node.attempt, paused: node.paused },
        snapshot: from === TaskState.UNKNOWN ? unknownSnapshot(node) : undefined,
        // The task id names the actor in an inspector (JobOptions.inspect).
        id: node.id,
        inspect: this.host.inspect,
      }).start();
    }
    if (node.actor) {
      node.actor.send(event);
      next = TaskState[node.actor.getSnapshot().value as TaskStateKey];
    } else {
      const snapshot = taskMachine.resolveState({
        value: stateName(from),
        context: { attempt: node.attempt, paused: node.paused },
      });
      const [after] = transition(taskMachine, snapshot, event);
      next = TaskState[after.value as TaskStateKey];
    }
    if (next === from && !force) return false;
    this.setState(node, next, cause, meta);
    return true;
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
    if (node.parent) this.dirty.add(node.parent);
    if (node.isNested) this.dirty.add(node);
    return false;
  }

  /** Sets a nested task's parallelism (an operator's): it takes effect at the next tick. */
  setParallelism(node: TaskNode, parallelism: number): void {
    node.parallelism = parallelism;
    node.parallelismSet = true;
    this.dirty.add(node);
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
   * Commits what changed, then publishes its events; throws when the store does. `settle: false`
   * commits without settling nested tasks first (creating and stopping the job).
   */
  commit(settle = true): void {
    if (settle) this.host.beforeCommit();
    this.log.commit();
  }

  /** Commits soon (after async poll results and machine snapshots); a failed commit is logged. */
  queueCommit(): void {
    if (this.commitQueued) return;
    this.commitQueued = true;
    queueMicrotask(() => {
      this.commitQueued = false;
      this.safeCommit();
    });
  }

  /** Commits; a failure is logged (the batch stays pending for the next commit). */
  safeCommit(settle = true): void {
    try {
      this.commit(settle);
    } catch (err) {
      this.host.internalError('store commit', err);
    }
  }

  /** Counts a subtree that came to exist (the tree at creation, children a function produced). */
  initCounters(top: TaskNode): void {
    const stack = [top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      (this.counts[node.state] as number)++;
      if (node.parent) this.count(node.parent, node, node.state, 1);
      if (group(node.state) === SchedulingGroup.RUNNING) {
        if (node.isNested) this.dirty.add(node);
        else {
          this.active.add(node);
          if (node.spec.kind === TaskKind.MACHINE) this.ensureMachine(node, false);
        }
      }
      if (node.children) for (const child of node.children) stack.push(child);
    }
  }

  /** Starts a machine task's own actor (fresh, or from its stored snapshot) while it runs. */
  ensureMachine(node: TaskNode, fresh: boolean): void {
    if (node.machine || node.spec.kind !== TaskKind.MACHINE) return;
    const runner = createMachineRunner(node, fresh ? undefined : node.machineSnapshot, this.machineHost());
    // A machine that finished or failed as it started has left RUNNING already.
    if (group(node.state) === SchedulingGroup.RUNNING) node.machine = runner;
    else runner.stop();
  }

  private setState(node: TaskNode, to: TaskState, cause: EventCause, meta?: EventMeta): void {
    const from = node.state;
    const now = this.host.clock.now();
    node.state = to;
    node.updatedAt = now;
    node.stateSetByOperator = cause === EventCause.OPERATOR;
    (this.counts[from] as number)--;
    (this.counts[to] as number)++;
    const gFrom = group(from);
    const gTo = group(to);
    if (gTo === SchedulingGroup.RUNNING && gFrom !== SchedulingGroup.RUNNING) {
      node.startedAt = now;
      node.finishedAt = undefined;
    } else if (gTo === SchedulingGroup.DONE) node.finishedAt = now;
    else if (gFrom === SchedulingGroup.DONE) node.finishedAt = undefined;
    const parent = node.parent;
    if (parent) {
      this.count(parent, node, from, -1);
      this.count(parent, node, to, 1);
      this.dirty.add(parent);
    }
    let startMachine = false;
    if (gTo === SchedulingGroup.RUNNING) {
      this.ensureActor(node);
      if (node.isNested) this.dirty.add(node);
      else {
        this.active.add(node);
        startMachine = node.spec.kind === TaskKind.MACHINE && cause !== EventCause.SCHEDULER;
      }
    } else {
      if (node.actor) {
        node.actor.stop();
        node.actor = undefined;
      }
      if (gFrom === SchedulingGroup.RUNNING && !node.isNested) {
        this.active.delete(node);
        if (node.inflight && cause !== EventCause.POLL) this.host.abortPoll(node, 'task left RUNNING');
      }
      if (node.machine) {
        node.machine.stop();
        node.machine = undefined;
      }
    }
    this.record(node, from, cause, meta);
    // After the record: what a machine reports as it starts comes after the change that started it.
    if (startMachine) this.ensureMachine(node, false);
  }

  /** Moves `child` in or out of its parent's counters (scheduling group, FAILED, the cursor). */
  private count(parent: TaskNode, child: TaskNode, state: TaskState, delta: number): void {
    const g = group(state);
    if (g === SchedulingGroup.PENDING) {
      parent.pendingCount += delta;
      if (delta > 0 && child.index < parent.cursor) parent.cursor = child.index;
    } else if (g === SchedulingGroup.RUNNING) parent.runningCount += delta;
    else if (state === TaskState.FAILED) parent.failedCount += delta;
  }

  private ensureActor(node: TaskNode): void {
    if (node.actor) return;
    const snapshot = taskMachine.resolveState({
      value: stateName(node.state),
      context: { attempt: node.attempt, paused: node.paused },
    });
    node.actor = createActor(taskMachine, {
      snapshot,
      input: undefined,
      id: node.id,
      inspect: this.host.inspect,
    }).start();
  }

  /** One host for every machine task of the job (its callbacks get the task). */
  private machineHost(): MachineHost {
    this.machines ??= {
      jobId: this.host.jobId,
      clock: this.host.clock,
      inspect: this.host.inspect,
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

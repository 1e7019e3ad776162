import { type Actor, createActor, transition } from 'xstate';
import { jobMachine } from '../../machines/job.machine.js';
import { type TaskMachineEvent, type TaskStateKey, taskMachine } from '../../machines/task.machine.js';
import { describeError, RnrError } from '../errors.js';
import { memoryStore } from '../store/memory-store.js';
import { type Clock, systemClock } from './clock.js';
import { EventLog } from './event-log.js';
import { JobOptionsChecker } from './job-options.js';
import { machineChart } from './machine-state.js';
import { createMachineRunner, type MachineHost } from './machine-task.js';
import { PollRunner } from './poll-runner.js';
import { StoredTasks } from './restore.js';
import { type EventMeta, G_DONE, G_PENDING, G_RUNNING, group, NestedScheduler } from './scheduler.js';
import { checkParallelism } from './specs.js';
import type { Store } from './store.js';
import type { InflightPoll, TaskNode } from './task-node.js';
import { isDone, parseTaskState, stateName, TaskState, taskStateNames } from './task-state.js';
import { toTask } from './task-view.js';
import { TaskIndex } from './tree.js';
import {
  EventCause,
  type GetTaskOptions,
  type Job,
  type JobOptions,
  type JobSnapshot,
  type JobSummary,
  type OperatorOptions,
  type PollObservation,
  type SetStateOptions,
  type Task,
  type TaskEvent,
  TaskKind,
} from './types.js';

const unknownSnapshot = (node: TaskNode) =>
  taskMachine.resolveState({ value: 'UNKNOWN', context: { attempt: node.attempt, paused: node.paused } });

/**
 * Creates a job: a tree of tasks with its scheduler, event log and store. Throws an `RnrError`
 * for invalid options (duplicate ids name both tasks) before anything runs. A job whose id the
 * store knows resumes where it was.
 *
 * @example
 * const job = createJob({
 *   name: 'upgrade fleet',
 *   root: nestedTask({ name: 'zones', children: zones.map(upgradeZone) }),
 *   pollIntervalMs: 30_000,
 * });
 * const state = await job.run();
 */
export function createJob(options: JobOptions): Job {
  return new JobEngine(options);
}

/** The engine behind {@link createJob}. */
class JobEngine implements Job {
  readonly id: string;
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  /** `JobOptions.inspect`, passed to every actor the job creates (undefined: not inspected). */
  private readonly inspect: JobOptions['inspect'];
  readonly resumed: { fromSeq: number; orphans: string[] } | undefined;
  private readonly store: Store;
  readonly index = new TaskIndex();
  readonly root: TaskNode;
  private readonly createdAt: number;
  /** Leaves (callback and machine tasks) in scheduling RUNNING: the tasks a tick polls. */
  private readonly active = new Set<TaskNode>();
  private readonly counts = [0, 0, 0, 0, 0, 0, 0];
  private readonly log: EventLog;
  private readonly pollObservers = new Set<(poll: PollObservation) => void>();
  private readonly stored: StoredTasks;
  private machines: MachineHost | undefined;
  private readonly ticker: Actor<typeof jobMachine>;
  private readonly polls: PollRunner;
  private readonly scheduler: NestedScheduler;
  private doneWaiters: Array<(state: TaskState) => void> = [];
  private flushQueued = false;
  private isStarted = false;
  private closed = false;

  constructor(options: JobOptions) {
    const opts = new JobOptionsChecker(options);
    this.name = opts.name;
    this.id = opts.id;
    this.pollIntervalMs = opts.pollIntervalMs;
    this.clock = opts.clock ?? systemClock;
    this.inspect = opts.inspect;
    this.store = opts.store ?? memoryStore();
    this.createdAt = this.clock.now();
    this.log = new EventLog(this.id, this.clock, 0, (err) => this.internalError('event listener', err));
    this.root = this.index.build(options.root, undefined, this.createdAt);
    this.stored = new StoredTasks(this.index);
    const saved = this.store.openJob({ id: this.id, name: this.name, createdAt: this.createdAt, seq: 0 });
    if (saved) {
      this.createdAt = saved.job.createdAt;
      this.log.seq = saved.job.seq;
      this.stored.apply(saved.tasks);
      this.resumed = { fromSeq: saved.job.seq, orphans: this.stored.orphans() };
    }
    this.scheduler = new NestedScheduler(this);
    this.initCounters(this.root);
    this.polls = new PollRunner(this);
    this.ticker = createActor(
      jobMachine.provide({
        actions: {
          // Tick outside the action: XState warns when built-in actions (the task actors' assigns)
          // run while a custom action executes.
          tick: () => queueMicrotask(() => void this.tick().catch((err) => this.internalError('tick', err))),
        },
      }),
      { input: { intervalMs: this.pollIntervalMs }, clock: this.clock, inspect: this.inspect },
    ).start();
    if (this.resumed) {
      this.record(this.root, this.root.state, EventCause.SYSTEM, {
        actor: 'rnr',
        reason: `resumed from seq ${this.resumed.fromSeq}${this.resumed.orphans.length ? `; ${this.resumed.orphans.length} stored task(s) no longer defined: ${this.resumed.orphans.slice(0, 5).join(', ')}` : ''}`,
      });
    }
    this.flush();
  }

  get seq(): number {
    return this.log.seq;
  }

  get started(): boolean {
    return this.isStarted;
  }

  get storeDescription(): string {
    return this.store.description;
  }

  // ---- running ---------------------------------------------------------------------------------

  tick(): Promise<void> {
    if (this.closed)
      return Promise.reject(new RnrError('RNR_ERR_JOB_CLOSED', `job ${JSON.stringify(this.id)} is closed`));
    try {
      const scheduled = this.scheduler.schedulePhase();
      return scheduled ? scheduled.then(() => this.pollPhase()) : this.pollPhase();
    } catch (err) {
      // A failed commit (full disk) must reject the tick, never throw out of the ticker's callback.
      return Promise.reject(err);
    }
  }

  start(): void {
    this.checkOpen();
    if (this.isStarted) return;
    this.isStarted = true;
    this.ticker.send({ type: 'start' });
  }

  stop(): Promise<void> {
    if (this.isStarted) {
      this.isStarted = false;
      this.ticker.send({ type: 'stop' });
    }
    for (const node of this.active) if (node.inflight) this.polls.abort(node, 'job stopped');
    this.safeFlush();
    return Promise.resolve();
  }

  drain(): Promise<void> {
    return this.polls.settled();
  }

  run(): Promise<TaskState> {
    if (isDone(this.root.state)) return Promise.resolve(this.root.state);
    const done = new Promise<TaskState>((resolve) => this.doneWaiters.push(resolve));
    this.start();
    return done.then((state) => {
      void this.stop();
      return state;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    void this.stop();
    this.closed = true;
    this.ticker.stop();
    for (const node of this.index.byId.values()) {
      node.actor?.stop();
      node.actor = undefined;
      node.machine?.stop();
    }
    this.store.releaseJob(this.id);
  }

  // ---- reading ---------------------------------------------------------------------------------

  snapshot(): JobSnapshot {
    return {
      id: this.id,
      name: this.name,
      root: toTask(this.root, Number.POSITIVE_INFINITY),
      createdAt: this.createdAt,
      seq: this.log.seq,
    };
  }

  summary(): JobSummary {
    const counts = {} as JobSummary['counts'];
    taskStateNames.forEach((name, state) => {
      counts[name] = this.counts[state] ?? 0;
    });
    const summary: JobSummary = {
      id: this.id,
      name: this.name,
      state: this.root.state,
      counts,
      createdAt: this.createdAt,
      total: this.index.byId.size,
      seq: this.log.seq,
    };
    if (this.root.startedAt !== undefined) summary.startedAt = this.root.startedAt;
    if (this.root.finishedAt !== undefined) summary.finishedAt = this.root.finishedAt;
    return summary;
  }

  getTask(id: string, options?: GetTaskOptions): Task {
    return toTask(this.node(id), options?.depth ?? Number.POSITIVE_INFINITY);
  }

  machineChart(id: string): unknown {
    const node = this.node(id);
    if (node.spec.kind !== TaskKind.MACHINE) {
      throw new RnrError(
        'RNR_ERR_NOT_MACHINE',
        `task ${JSON.stringify(id)} is not a machine task: it has no statechart of its own`,
      );
    }
    return machineChart(node.spec.machine);
  }

  hasTask(id: string): boolean {
    return this.index.byId.has(id);
  }

  events(since = 0, limit?: number): TaskEvent[] {
    return this.store.events(this.id, Math.max(0, Number(since) || 0), limit);
  }

  subscribe(listener: (event: TaskEvent) => void): () => void {
    return this.log.subscribe(listener);
  }

  observePolls(listener: (poll: PollObservation) => void): () => void {
    this.pollObservers.add(listener);
    return () => this.pollObservers.delete(listener);
  }

  // ---- operator actions ------------------------------------------------------------------------

  setTaskState(id: string, state: TaskState | TaskStateKey, options?: SetStateOptions): Task {
    const to = parseTaskState(state);
    if (options?.message !== undefined && typeof options.message !== 'string') {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `message: got ${JSON.stringify(options.message)}, expected a string`,
      );
    }
    return this.operate(id, 'state', options, (node, meta) => {
      if (options?.message !== undefined) node.message = options.message;
      // An operator's state is a fresh start: the next poll error counts from zero again.
      node.pollErrors = 0;
      this.polls.abort(node, 'state changed by an operator');
      return this.apply(node, { type: 'set', state: stateName(to) }, EventCause.OPERATOR, meta);
    });
  }

  retry(id: string, options?: OperatorOptions): Task {
    return this.operate(id, 'retry', options, (node, meta) => {
      this.polls.abort(node, 'retried by an operator');
      node.attempt += 1;
      node.pollErrors = 0;
      // A fresh attempt starts with a fresh status line; the old one stays in the event log.
      node.message = '';
      node.approval = undefined;
      if (node.spec.kind === TaskKind.NESTED && typeof node.spec.children === 'function')
        this.scheduler.needsResolve.add(node);
      const changed = this.apply(node, { type: 'retry' }, EventCause.OPERATOR, meta, true);
      // After the apply: stopping a live machine leaves its last snapshot on the node.
      node.machineSnapshot = undefined;
      return changed;
    });
  }

  skip(id: string, options?: OperatorOptions): Task {
    return this.operate(id, 'skip', options, (node, meta) => {
      this.polls.abort(node, 'skipped by an operator');
      return this.apply(node, { type: 'skip' }, EventCause.OPERATOR, meta);
    });
  }

  approve(id: string, options?: OperatorOptions): Task {
    const node = this.node(id);
    if (node.state !== TaskState.ACTION_PENDING) {
      throw new RnrError(
        'RNR_ERR_NOT_ACTION_PENDING',
        `task ${JSON.stringify(id)} is ${stateName(node.state)}, not ACTION_PENDING: nothing to approve`,
      );
    }
    return this.operate(id, 'approve', options, (n, meta) => {
      this.polls.abort(n, 'approved by an operator');
      n.approval = {
        by: meta.actor ?? 'anonymous',
        at: this.clock.now(),
        ...(meta.reason ? { reason: meta.reason } : {}),
      };
      const recorded = this.apply(n, { type: 'approve' }, EventCause.OPERATOR, meta);
      n.machine?.approve(meta.actor ?? 'anonymous', meta.reason ?? '');
      return recorded;
    });
  }

  pause(id: string, options?: OperatorOptions): Task {
    return this.operate(id, 'pause', options, (node) => this.setPaused(node, true));
  }

  resume(id: string, options?: OperatorOptions): Task {
    return this.operate(id, 'resume', options, (node) => this.setPaused(node, false));
  }

  setParallelism(id: string, parallelism: number, options?: OperatorOptions): Task {
    const node = this.node(id);
    if (!node.isNested) {
      throw new RnrError(
        'RNR_ERR_NOT_NESTED',
        `task ${JSON.stringify(id)} is not a nested task: it has no parallelism`,
      );
    }
    const n = checkParallelism(`parallelism of ${JSON.stringify(id)}`, parallelism);
    return this.operate(id, 'parallelism', options, (t) => {
      t.parallelism = n;
      t.parallelismSet = true;
      this.scheduler.dirty.add(t);
      return false;
    });
  }

  // ---- engine internals (used by PollRunner and machine runners) -------------------------------

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
    if (!node.actor && event.type === 'start' && group(from) === G_PENDING) {
      // The common path: a PENDING record becomes an actor as it starts (DESIGN §8).
      node.actor = createActor(taskMachine, {
        input: { attempt: node.attempt, paused: node.paused },
        snapshot: from === TaskState.UNKNOWN ? unknownSnapshot(node) : undefined,
        // The task id names the actor in an inspector (JobOptions.inspect).
        id: node.id,
        inspect: this.inspect,
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
    node.updatedAt = this.clock.now();
    this.record(node, node.state, cause);
  }

  /** Reports a finished poll to observers (metrics). */
  observePoll(node: TaskNode, durationMs: number, error: boolean): void {
    if (this.pollObservers.size === 0) return;
    const poll: PollObservation = { jobId: this.id, taskId: node.id, durationMs, error };
    for (const observer of this.pollObservers) {
      try {
        observer(poll);
      } catch (err) {
        this.internalError('poll observer', err);
      }
    }
  }

  /** Commits and publishes soon (after async poll results and machine snapshots). */
  queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.scheduler.settlePhase();
      this.safeFlush();
    });
  }

  internalError(where: string, err: unknown): void {
    // The engine never crashes on a user's code; what reaches here is logged, not thrown.
    console.error(`rnr: job ${JSON.stringify(this.id)}: ${where}: ${describeError(err)}`);
  }

  private pollPhase(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const node of this.active) {
      if (node.paused || node.inflight) continue;
      const wait = this.polls.poll(node);
      if (wait) waits.push(wait);
    }
    this.scheduler.settlePhase();
    this.flush();
    if (waits.length === 0) return Promise.resolve();
    return Promise.all(waits).then(() => {
      this.scheduler.settlePhase();
      this.safeFlush();
    });
  }

  // ---- state changes and events ----------------------------------------------------------------

  private setState(node: TaskNode, to: TaskState, cause: EventCause, meta?: EventMeta): void {
    const from = node.state;
    const now = this.clock.now();
    node.state = to;
    node.updatedAt = now;
    node.stateSetByOperator = cause === EventCause.OPERATOR;
    (this.counts[from] as number)--;
    (this.counts[to] as number)++;
    const gFrom = group(from);
    const gTo = group(to);
    if (gTo === G_RUNNING && gFrom !== G_RUNNING) {
      node.startedAt = now;
      node.finishedAt = undefined;
    } else if (gTo === G_DONE) node.finishedAt = now;
    else if (gFrom === G_DONE) node.finishedAt = undefined;
    const parent = node.parent;
    if (parent) {
      this.count(parent, node, from, -1);
      this.count(parent, node, to, 1);
      this.scheduler.dirty.add(parent);
    }
    let startMachine = false;
    if (gTo === G_RUNNING) {
      this.ensureActor(node);
      if (node.isNested) this.scheduler.dirty.add(node);
      else {
        this.active.add(node);
        startMachine = node.spec.kind === TaskKind.MACHINE && cause !== EventCause.SCHEDULER;
      }
    } else {
      if (node.actor) {
        node.actor.stop();
        node.actor = undefined;
      }
      if (gFrom === G_RUNNING && !node.isNested) {
        this.active.delete(node);
        if (node.inflight && cause !== EventCause.POLL) this.polls.abort(node, 'task left RUNNING');
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

  private count(parent: TaskNode, child: TaskNode, state: TaskState, delta: number): void {
    const g = group(state);
    if (g === G_PENDING) {
      parent.pendingCount += delta;
      if (delta > 0 && child.index < parent.cursor) parent.cursor = child.index;
    } else if (g === G_RUNNING) parent.runningCount += delta;
    else if (state === TaskState.FAILED) parent.failedCount += delta;
  }

  record(node: TaskNode, from: TaskState, cause: EventCause, meta?: EventMeta): void {
    this.log.record(node, from, cause, meta);
  }

  /** Commits the pending batch to the store, then publishes its events (commit before publish). */
  private flush(): void {
    this.log.flush((tasks, events) =>
      this.store.commit({
        job: { id: this.id, name: this.name, createdAt: this.createdAt, seq: this.log.seq },
        tasks,
        events,
      }),
    );
    if (this.doneWaiters.length > 0 && isDone(this.root.state)) {
      const waiters = this.doneWaiters;
      this.doneWaiters = [];
      for (const resolve of waiters) resolve(this.root.state);
    }
  }

  private safeFlush(): void {
    try {
      this.flush();
    } catch (err) {
      this.internalError('store commit', err);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private operate(
    id: string,
    action: string,
    options: OperatorOptions | undefined,
    change: (node: TaskNode, meta: EventMeta) => boolean,
  ): Task {
    this.checkOpen();
    const node = this.node(id);
    const actor = options?.actor;
    const reason = options?.reason;
    if (actor !== undefined && typeof actor !== 'string') {
      throw new RnrError('RNR_ERR_INVALID_OPTION', `actor: got ${JSON.stringify(actor)}, expected a string`);
    }
    if (reason !== undefined && typeof reason !== 'string') {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `reason: got ${JSON.stringify(reason)}, expected a string`,
      );
    }
    const meta: EventMeta = { actor: actor || 'anonymous', reason: reason ?? '', action };
    if (!change(node, meta)) this.record(node, node.state, EventCause.OPERATOR, meta);
    this.scheduler.reopenAncestors(node);
    this.scheduler.settlePhase();
    this.flush();
    return toTask(node, 0);
  }

  private setPaused(node: TaskNode, paused: boolean): boolean {
    if (node.paused === paused) return false;
    node.paused = paused;
    node.updatedAt = this.clock.now();
    node.actor?.send({ type: paused ? 'pause' : 'resume' });
    if (node.parent) this.scheduler.dirty.add(node.parent);
    if (node.isNested) this.scheduler.dirty.add(node);
    return false;
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
      inspect: this.inspect,
    }).start();
  }

  ensureMachine(node: TaskNode, fresh: boolean): void {
    if (node.machine || node.spec.kind !== TaskKind.MACHINE) return;
    const runner = createMachineRunner(node, fresh ? undefined : node.machineSnapshot, this.machineHost());
    // A machine that finished or failed as it started has left RUNNING already.
    if (group(node.state) === G_RUNNING) node.machine = runner;
    else runner.stop();
  }

  /** One host for every machine task of the job (its callbacks get the task). */
  private machineHost(): MachineHost {
    this.machines ??= {
      jobId: this.id,
      clock: this.clock,
      inspect: this.inspect,
      now: () => this.clock.now(),
      apply: (n, state, message) => {
        n.message = message;
        const changed =
          state !== n.state && this.apply(n, { type: 'result', state: stateName(state) }, EventCause.POLL);
        if (!changed) this.record(n, n.state, EventCause.POLL);
        this.queueFlush();
      },
      persist: (n) => {
        this.log.touch(n);
        // A step between polls (an invoked promise settled) is committed without waiting for a tick.
        this.queueFlush();
      },
      error: (where, err) => this.internalError(where, err),
    };
    return this.machines;
  }

  initCounters(top: TaskNode): void {
    const stack = [top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      (this.counts[node.state] as number)++;
      if (node.parent && node !== this.root) this.count(node.parent, node, node.state, 1);
      if (group(node.state) === G_RUNNING) {
        if (node.isNested) this.scheduler.dirty.add(node);
        else {
          this.active.add(node);
          if (node.spec.kind === TaskKind.MACHINE) this.ensureMachine(node, false);
        }
      }
      if (node.children) for (const child of node.children) stack.push(child);
    }
  }

  restoreSubtree(top: TaskNode): void {
    this.stored.applySubtree(top);
  }

  private node(id: string): TaskNode {
    const node = typeof id === 'string' ? this.index.byId.get(id) : undefined;
    if (!node) {
      throw new RnrError(
        'RNR_ERR_TASK_NOT_FOUND',
        `job ${JSON.stringify(this.id)} has no task ${JSON.stringify(id)}`,
      );
    }
    return node;
  }

  private checkOpen(): void {
    if (this.closed) throw new RnrError('RNR_ERR_JOB_CLOSED', `job ${JSON.stringify(this.id)} is closed`);
  }
}

export type { InflightPoll, JobEngine };

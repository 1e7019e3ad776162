import type { TaskStateKey } from '../../machines/task.machine.js';
import { describeError, RnrError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';
import { EventLog } from './event-log.js';
import { JobOptionsChecker } from './job-options.js';
import { machineChart } from './machine-state.js';
import { OperatorVerbs } from './operator-verbs.js';
import { PollRunner } from './poll-runner.js';
import { Scheduler } from './scheduler.js';
import type { Store } from './store.js';
import { StoredTasks } from './stored-tasks.js';
import { TaskActors } from './task-actors.js';
import { TaskIndex } from './task-index.js';
import type { TaskNode } from './task-node.js';
import { isDone, type TaskState, taskStateNames } from './task-state.js';
import { TaskTransitions } from './task-transitions.js';
import { toTask } from './task-view.js';
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

/** What a job takes when its options leave it out (supplied by the package, not the engine). */
export interface JobDefaults {
  /** The store of a job created without one (`memoryStore()` for `rnr`'s `createJob`). */
  store(): Store;
}

/**
 * Creates a job with `defaults` for what `options` leave out: the engine behind `rnr`'s
 * `createJob`, which supplies the default store (so the engine imports no concrete store).
 */
export function createJobWith(options: JobOptions, defaults: JobDefaults): Job {
  return new JobEngine(options, defaults);
}

/**
 * The engine behind `createJob`: a job's lifecycle (tick, start, stop, run, close) and its
 * reads. Changes to tasks go through the transition core ({@link TaskTransitions}); the actors live
 * in {@link TaskActors}, the operator's verbs in {@link OperatorVerbs}, the tick in {@link Scheduler},
 * polls in {@link PollRunner}.
 */
class JobEngine implements Job {
  readonly id: string;
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  readonly resumed: { fromSeq: number; orphans: string[] } | undefined;
  private readonly store: Store;
  private readonly index = new TaskIndex();
  private readonly root: TaskNode;
  private readonly createdAt: number;
  private readonly log: EventLog;
  private readonly actors: TaskActors;
  private readonly changes: TaskTransitions;
  private readonly scheduler: Scheduler;
  private readonly polls: PollRunner;
  private readonly verbs: OperatorVerbs;
  private isStarted = false;
  private closed = false;

  constructor(options: JobOptions, defaults: JobDefaults) {
    const opts = new JobOptionsChecker(options);
    this.name = opts.name;
    this.id = opts.id;
    this.pollIntervalMs = opts.pollIntervalMs;
    this.clock = opts.clock ?? systemClock;
    const inspect = opts.inspect;
    this.store = opts.store ?? defaults.store();
    const now = this.clock.now();
    this.root = this.index.build(options.root, undefined, now);
    const stored = new StoredTasks(this.index);
    const saved = this.store.openJob({ id: this.id, name: this.name, createdAt: now, seq: 0 });
    this.createdAt = saved?.job.createdAt ?? now;
    if (saved) {
      stored.apply(saved.tasks);
      this.resumed = { fromSeq: saved.job.seq, orphans: stored.orphans() };
    }
    this.log = new EventLog(
      { id: this.id, name: this.name, createdAt: this.createdAt },
      this.store,
      this.clock,
      saved?.job.seq ?? 0,
      (err) => this.internalError('event listener', err),
    );
    this.actors = new TaskActors({
      jobId: this.id,
      clock: this.clock,
      inspect,
      pollIntervalMs: this.pollIntervalMs,
      root: this.root,
      index: this.index,
      tickDue: () => void this.tick().catch((err) => this.internalError('tick', err)),
    });
    this.changes = new TaskTransitions(
      {
        jobId: this.id,
        clock: this.clock,
        abortPoll: (node, reason) => this.polls.abort(node, reason),
        internalError: (where, err) => this.internalError(where, err),
      },
      this.log,
      this.actors,
    );
    this.polls = new PollRunner(
      {
        id: this.id,
        name: this.name,
        clock: this.clock,
        internalError: (where, err) => this.internalError(where, err),
      },
      this.changes,
    );
    this.scheduler = new Scheduler(
      { id: this.id, name: this.name, clock: this.clock, index: this.index, stored },
      this.changes,
      this.actors,
      this.polls,
    );
    this.verbs = new OperatorVerbs(
      { clock: this.clock, node: (id) => this.node(id), checkOpen: () => this.checkOpen() },
      this.changes,
      this.scheduler,
      this.polls,
    );
    this.changes.initCounters(this.root);
    this.changes.activate(this.root);
    if (this.resumed) {
      const { fromSeq, orphans } = this.resumed;
      this.changes.record(this.root, this.root.state, EventCause.SYSTEM, {
        actor: 'rnr',
        reason: `resumed from seq ${fromSeq}${orphans.length ? `; ${orphans.length} stored task(s) no longer defined: ${orphans.slice(0, 5).join(', ')}` : ''}`,
      });
    }
    this.changes.commit();
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
      return this.scheduler.tick();
    } catch (err) {
      // A failed commit (full disk) must reject the tick, never throw out of the ticker's callback.
      return Promise.reject(err);
    }
  }

  start(): void {
    this.checkOpen();
    if (this.isStarted) return;
    this.isStarted = true;
    this.actors.ticking(true);
  }

  stop(): Promise<void> {
    if (this.isStarted) {
      this.isStarted = false;
      this.actors.ticking(false);
    }
    for (const node of this.changes.runningLeaves) if (node.inflight) this.polls.abort(node, 'job stopped');
    this.changes.safeCommit();
    return Promise.resolve();
  }

  drain(): Promise<void> {
    return this.polls.settled();
  }

  run(): Promise<TaskState> {
    if (isDone(this.root.state)) return Promise.resolve(this.root.state);
    const done = new Promise<TaskState>((resolve) => {
      // Heard after the root's DONE event is committed; a batch that reopened the root meanwhile
      // leaves it RUNNING by the time its events are published.
      const unsubscribe = this.log.subscribe((event) => {
        if (event.taskId !== this.root.id || !isDone(this.root.state)) return;
        unsubscribe();
        resolve(this.root.state);
      });
    });
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
    this.actors.stop();
    for (const node of this.changes.runningLeaves) node.machine?.stop();
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
      counts[name] = this.changes.counts[state] ?? 0;
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
    return this.polls.observe(listener);
  }

  // ---- operator actions (OperatorVerbs) --------------------------------------------------------

  setTaskState(id: string, state: TaskState | TaskStateKey, options?: SetStateOptions): Task {
    return this.verbs.setTaskState(id, state, options);
  }

  retry(id: string, options?: OperatorOptions): Task {
    return this.verbs.retry(id, options);
  }

  skip(id: string, options?: OperatorOptions): Task {
    return this.verbs.skip(id, options);
  }

  approve(id: string, options?: OperatorOptions): Task {
    return this.verbs.approve(id, options);
  }

  pause(id: string, options?: OperatorOptions): Task {
    return this.verbs.pause(id, options);
  }

  resume(id: string, options?: OperatorOptions): Task {
    return this.verbs.resume(id, options);
  }

  setParallelism(id: string, parallelism: number, options?: OperatorOptions): Task {
    return this.verbs.setParallelism(id, parallelism, options);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private internalError(where: string, err: unknown): void {
    // The engine never crashes on a user's code; what reaches here is logged, not thrown.
    console.error(`rnr: job ${JSON.stringify(this.id)}: ${where}: ${describeError(err)}`);
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

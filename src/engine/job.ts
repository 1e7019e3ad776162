import type { TaskStateKey } from '../../machines/task.machine.js';
import { describeError, RnrError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';
import { CommitPipeline, DurableImage } from './commit-pipeline.js';
import { type CoreHost, JobCore } from './job-core.js';
import { HaltControl } from './job-halt.js';
import { JobOptionsChecker } from './job-options.js';
import { JobRun } from './job-run.js';
import { machineChart } from './machine-state.js';
import type { JobHalt } from './messages.js';
import type { PreparedAction } from './operator-verbs.js';
import type { PollsShared } from './poll-runner.js';
import type { Store, StoredRun, TaskRecord } from './store.js';
import type { TaskNode } from './task-node.js';
import { isDone, type TaskState } from './task-state.js';
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
  type TaskSpec,
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

const noop = () => {};

/**
 * The engine behind `createJob`: a job's lifecycle (load, tick, start, stop, run, close) and its
 * reads. Its state in memory is a {@link JobCore} (tasks, actors, scheduler, polls, operator verbs);
 * commits go through the {@link CommitPipeline}; a failed commit halts the job ({@link HaltControl}),
 * which then rebuilds its state from what is durable.
 */
class JobEngine implements Job {
  readonly id: string;
  readonly name: string;
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  private readonly store: Store;
  private readonly spec: TaskSpec;
  private readonly builtAt: number;
  private readonly coreHost: CoreHost;
  private readonly polls: PollsShared = { running: new Set(), observers: new Set() };
  private readonly pipeline: CommitPipeline;
  private readonly halts: HaltControl;
  private core: JobCore;
  private readonly run_: JobRun;
  private loading: Promise<void> | undefined;
  private isLoaded = false;
  private resumedFrom: { fromSeq: number; orphans: string[] } | undefined;
  private isStarted = false;
  private closed = false;

  constructor(options: JobOptions, defaults: JobDefaults) {
    const opts = new JobOptionsChecker(options);
    this.name = opts.name;
    this.id = opts.id;
    this.pollIntervalMs = opts.pollIntervalMs;
    this.clock = opts.clock ?? systemClock;
    this.store = opts.store ?? defaults.store();
    this.spec = options.root;
    this.builtAt = this.clock.now();
    this.run_ = new JobRun(this.id, this.name, opts.run, this.builtAt);
    this.coreHost = {
      id: this.id,
      name: this.name,
      clock: this.clock,
      pollIntervalMs: this.pollIntervalMs,
      inspect: opts.inspect,
      sink: { flush: () => this.pipeline.flush() },
      polls: this.polls,
      node: (id) => this.node(id),
      tickDue: () =>
        void this.tick().catch((err) => {
          if (!this.halts.current) this.internalError('tick', err);
        }),
      mayPoll: () => this.store.cluster?.holdsLeases() ?? true, // false past the lease deadline
      internalError: (where, err) => this.internalError(where, err),
    };
    // Built now, so a bad tree (duplicate ids) fails createJob itself; the store is read on load.
    this.core = JobCore.fromSpec(this.coreHost, this.spec, this.builtAt, 0);
    this.pipeline = new CommitPipeline(
      {
        store: this.store,
        fence: () => this.run_.fence,
        runRecord: (seq) => this.run_.record(this.core, seq),
        pending: () => this.core.log,
        failed: (err) => this.halts.failed(err),
        internalError: (where, err) => this.internalError(where, err),
      },
      new DurableImage(0, []),
    );
    this.halts = new HaltControl({
      id: this.id,
      clock: this.clock,
      store: this.store,
      durableSeq: () => this.pipeline.image.seq,
      rollBack: (stored) => this.rollBack(stored),
      recover: (halt) => this.recover(halt),
      log: (line) => console.error(`rnr: job ${JSON.stringify(this.id)} ${line}`),
      closed: () => this.closed,
    });
  }

  get seq(): number {
    return this.core.log.seq;
  }

  get started(): boolean {
    return this.isStarted;
  }

  get storeDescription(): string {
    return this.store.description;
  }

  get resumed(): { fromSeq: number; orphans: string[] } | undefined {
    return this.resumedFrom;
  }

  get loaded(): boolean {
    return this.isLoaded;
  }

  get halted(): JobHalt | undefined {
    const halt = this.halts.current;
    return halt && { ...halt };
  }

  // ---- loading ---------------------------------------------------------------------------------

  load(): Promise<void> {
    if (this.closed && !this.loading) return Promise.reject(this.closedError());
    this.loading ??= this.open().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async open(): Promise<void> {
    const opened = await this.store.openRun(this.run_.record(this.core, 0));
    if (this.closed) {
      await this.store.releaseRun(this.id).catch(noop);
      throw this.closedError();
    }
    this.run_.opened(opened);
    this.pipeline.image = new DurableImage(opened.run.seq, opened.tasks);
    const resumed = !opened.created && (opened.run.seq > 0 || opened.tasks.length > 0);
    const orphans = opened.tasks.length > 0 ? this.core.restore(opened.tasks) : [];
    this.core.log.seq = opened.run.seq;
    this.core.activate();
    this.isLoaded = true;
    if (resumed) {
      const fromSeq = opened.run.seq;
      this.resumedFrom = { fromSeq, orphans };
      this.core.changes.record(this.core.root, this.core.root.state, EventCause.SYSTEM, {
        actor: 'rnr',
        reason: `resumed from seq ${fromSeq}${orphans.length ? `; ${orphans.length} stored task(s) no longer defined: ${orphans.slice(0, 5).join(', ')}` : ''}`,
      });
    }
    // A failure here halts the job (it retries by itself); the job is loaded all the same.
    await this.core.changes.commit().catch(noop);
    if (this.isStarted && !this.halts.current) this.core.actors.ticking(true);
  }

  // ---- halting ---------------------------------------------------------------------------------

  /** Throws the job's state away and rebuilds it from what is durable (halt-control.ts). */
  private rollBack(stored?: StoredRun): void {
    if (stored) this.pipeline.image = new DurableImage(stored.run.seq, stored.tasks);
    const image = this.pipeline.image;
    this.core.dispose('the job halted: its store refused a commit');
    this.core = JobCore.fromSpec(this.coreHost, this.spec, this.builtAt, image.seq);
    this.core.restore([...image.records.values()] as TaskRecord[]);
  }

  /** The store answers again: run, record the halt, commit; rejects when that commit fails. */
  private recover(halt: JobHalt): Promise<void> {
    this.pipeline.resume();
    this.core.activate();
    const seconds = ((this.clock.now() - halt.since) / 1000).toFixed(1);
    this.core.changes.record(this.core.root, this.core.root.state, EventCause.SYSTEM, {
      actor: 'rnr',
      reason: `halted for ${seconds} s: its store refused a commit (${halt.code}: ${halt.message}); resumed from seq ${this.pipeline.image.seq}`,
    });
    return this.core.changes.commit().then(() => {
      if (this.isStarted && !this.closed) this.core.actors.ticking(true);
    });
  }

  // ---- running ---------------------------------------------------------------------------------

  tick(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.isLoaded) return this.load().then(() => this.tick());
    if (this.halts.current) return Promise.reject(this.halts.refusal());
    try {
      return this.core.scheduler.tick();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  start(): Promise<void> {
    this.checkOpen();
    const loaded = this.load().then(() => {
      if (this.isStarted && !this.closed && !this.halts.current) this.core.actors.ticking(true);
    });
    this.isStarted = true;
    loaded.catch((err: unknown) => this.internalError('load', err));
    return loaded;
  }

  stop(): Promise<void> {
    if (this.isStarted) {
      this.isStarted = false;
      this.core.actors.ticking(false);
    }
    this.core.abortPolls('job stopped');
    return this.pipeline.flush().catch(noop);
  }

  drain(): Promise<void> {
    return Promise.all(this.polls.running).then(noop);
  }

  async run(): Promise<TaskState> {
    await this.load();
    if (isDone(this.core.root.state)) return this.core.root.state;
    const done = new Promise<TaskState>((resolve) => {
      // Heard after the root's DONE event is committed; a batch that reopened the root meanwhile
      // leaves it RUNNING by the time its events are published.
      const unsubscribe = this.pipeline.subscribe((event) => {
        const root = this.core.root;
        if (event.taskId !== root.id || !isDone(root.state)) return;
        unsubscribe();
        resolve(root.state);
      });
    });
    await this.start();
    const state = await done;
    void this.stop();
    return state;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.isStarted = false;
    this.halts.cancel();
    this.core.actors.ticking(false);
    this.core.abortPolls('job closed');
    await this.pipeline.flush().catch(noop);
    this.core.dispose('job closed');
    const opened = await this.loading?.then(
      () => true,
      () => false,
    );
    // A run another process took over is not ours to release. A release that fails (a full disk)
    // leaves a claim behind that the next owner sees is stale once this process is gone.
    if (opened && this.halts.current?.code !== 'RNR_ERR_LEASE_LOST')
      await this.store.releaseRun(this.id).catch((err: unknown) => this.internalError('release', err));
  }

  // ---- reading ---------------------------------------------------------------------------------

  snapshot(): JobSnapshot {
    return this.run_.snapshot(this.core, this.halted);
  }

  summary(): JobSummary {
    return this.run_.summary(this.core, this.halted);
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
    return this.core.index.byId.has(id);
  }

  events(since = 0, limit?: number): Promise<TaskEvent[]> {
    return this.store.events(this.id, Math.max(0, Number(since) || 0), limit);
  }

  subscribe(listener: (event: TaskEvent) => void): () => void {
    return this.pipeline.subscribe(listener);
  }

  observePolls(listener: (poll: PollObservation) => void): () => void {
    this.polls.observers.add(listener);
    return () => this.polls.observers.delete(listener);
  }

  // ---- operator actions (OperatorVerbs) --------------------------------------------------------

  setTaskState(id: string, state: TaskState | TaskStateKey, options?: SetStateOptions): Promise<Task> {
    return this.act((core) => core.verbs.setTaskState(id, state, options));
  }

  retry(id: string, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.retry(id, options));
  }

  skip(id: string, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.skip(id, options));
  }

  approve(id: string, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.approve(id, options));
  }

  pause(id: string, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.pause(id, options));
  }

  resume(id: string, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.resume(id, options));
  }

  setParallelism(id: string, parallelism: number, options?: OperatorOptions): Promise<Task> {
    return this.act((core) => core.verbs.setParallelism(id, parallelism, options));
  }

  async cancel(options?: OperatorOptions): Promise<JobSummary> {
    await this.act((core) => core.verbs.cancel(core.root, this.id, options));
    await this.stop();
    return this.summary();
  }

  /** An operator action: checked now (throwing), applied now or once loaded (checked again); refused while halted. */
  private act(prepare: (core: JobCore) => PreparedAction): Promise<Task> {
    this.checkOpen();
    const action = prepare(this.core);
    if (this.isLoaded) return this.halts.current ? Promise.reject(this.halts.refusal()) : action();
    return this.load().then(() => {
      this.checkOpen();
      if (this.halts.current) throw this.halts.refusal();
      return prepare(this.core)();
    });
  }

  private internalError(where: string, err: unknown): void {
    // The engine never crashes on a user's code; what reaches here is logged, not thrown.
    console.error(`rnr: job ${JSON.stringify(this.id)}: ${where}: ${describeError(err)}`);
  }

  private node(id: string): TaskNode {
    const node = typeof id === 'string' ? this.core.index.byId.get(id) : undefined;
    if (!node) {
      throw new RnrError(
        'RNR_ERR_TASK_NOT_FOUND',
        `job ${JSON.stringify(this.id)} has no task ${JSON.stringify(id)}`,
      );
    }
    return node;
  }

  private closedError(): RnrError {
    return new RnrError('RNR_ERR_JOB_CLOSED', `job ${JSON.stringify(this.id)} is closed`);
  }

  private checkOpen(): void {
    if (this.closed) throw this.closedError();
  }
}

import {
  type AnyActor,
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
} from 'xstate';
import { describeError } from '../errors.js';
import type { Clock } from './clock.js';
import { deriveState, restingStatus, statusOf } from './machine-state.js';
import { capMessage, ERROR_TEXT_CHARS } from './message-cap.js';
import type { MachineRunner, TaskNode } from './task-node.js';
import { TaskState } from './task-state.js';
import type { JobOptions, MachineStatus, MachineTaskSpec } from './types.js';

/** What a machine runner reports to its job. One host serves every machine task of a job. */
export interface MachineHost {
  jobId: string;
  /** The job's clock: the user's actor schedules its delayed transitions on it. */
  clock: Clock;
  /** The job's `inspect` option, for the user's actor too. */
  inspect: JobOptions['inspect'];
  now(): number;
  /** The actor's snapshot changed: the task's state and status line it stands for. */
  apply(node: TaskNode, state: TaskState, message: string): void;
  /** The actor's snapshot changed: commit the task's record (it asks the runner for `persisted()`) soon. */
  persist(node: TaskNode): void;
  error(where: string, err: unknown): void;
}

/** Shared, frozen: a poll per task per tick should not allocate. */
const pollEvent = Object.freeze({ type: 'rnr.poll' as const });

const isActiveSnapshot = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { status?: unknown }).status === 'active';

/** Marks a snapshot XState could not persist (kept with the reason, so that restoring says why). */
const unpersistable = 'rnrUnpersistable';

const inlineChild = (id: string) =>
  `child actor ${JSON.stringify(id)} was spawned from inline logic, which cannot be persisted: reference it by name in setup({ actors })`;

/**
 * What to keep of a snapshot: XState's persisted snapshot while it is active, or, when XState refuses (its
 * development build throws on children spawned from inline logic; the production build keeps the
 * logic object, which a JSON store turns into `{}`), a marker that a restore turns into FAILED.
 */
function persistedOf(actor: AnyActor, snapshot: AnyMachineSnapshot): unknown {
  // Only an active snapshot is ever restored; of a finished one, the view needs where it ended.
  if (snapshot.status !== 'active') return { status: snapshot.status, value: snapshot.value };
  try {
    const persisted = actor.getPersistedSnapshot();
    // The store keeps JSON: a snapshot that is not (a BigInt or a circular object in the context)
    // would fail every commit of the job, so it is kept as unpersistable instead.
    JSON.stringify(persisted);
    return persisted;
  } catch (err) {
    const inline = Object.entries(snapshot.children as Record<string, { src?: unknown }>).find(
      ([, child]) => typeof child?.src !== 'string',
    );
    return {
      status: snapshot.status,
      value: snapshot.value,
      [unpersistable]: inline
        ? inlineChild(inline[0])
        : `its snapshot is not JSON: ${describeError(err, 1024)}`,
    };
  }
}

/**
 * Why a persisted snapshot cannot come back, or undefined. A child whose logic was given inline to
 * `spawnChild`/`spawn` is persisted as the logic object itself: after a JSON store it is `{}`, and
 * XState would restore a child that never runs again.
 */
function unrestorable(persisted: unknown, where = ''): string | undefined {
  const marked = (persisted as { [unpersistable]?: unknown })[unpersistable];
  if (typeof marked === 'string') return marked;
  const children = (persisted as { children?: Record<string, { src?: unknown; snapshot?: unknown }> })
    .children;
  if (typeof children !== 'object' || children === null) return undefined;
  for (const [id, child] of Object.entries(children)) {
    const src = child?.src;
    const isLogic = typeof (src as { transition?: unknown } | null)?.transition === 'function';
    if (typeof src !== 'string' && !isLogic) {
      return inlineChild(where + id);
    }
    const inner = unrestorable(child?.snapshot, `${where}${id}/`);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The engine-side driver of one machine task: owns the user's actor, feeds it `rnr.poll` and
 * `rnr.approve`, and reports each new snapshot (state, status line, persisted snapshot) to the job.
 * It is the actor's observer; nothing it does throws into XState, whose unhandled errors would
 * crash the process.
 */
class MachineRun implements MachineRunner {
  private readonly machine: AnyStateMachine;
  private actor: AnyActor | undefined;
  private seen: AnyMachineSnapshot | undefined;
  private live: MachineStatus | undefined;
  /** `persisted()` of the snapshot `persistedFor`: computed when a commit asks, once per snapshot. */
  private persistedSnapshot: unknown;
  private persistedFor: unknown;
  private failedStatus: MachineStatus | undefined;
  /** True while a restored actor starts: an error then means the snapshot did not fit. */
  private restoring = false;

  constructor(
    private readonly node: TaskNode,
    private readonly host: MachineHost,
  ) {
    this.machine = (node.spec as MachineTaskSpec).machine;
  }

  start(persisted: unknown): void {
    const restoring = isActiveSnapshot(persisted);
    const problem = restoring ? unrestorable(persisted) : undefined;
    if (problem) {
      this.fail(persisted, `cannot restore the machine: ${problem}; retry starts it afresh`);
      return;
    }
    const spec = this.node.spec as MachineTaskSpec;
    try {
      this.actor = createActor(this.machine, {
        input: spec.input,
        id: this.node.id,
        clock: this.host.clock,
        inspect: this.host.inspect,
        ...(restoring ? { snapshot: persisted as AnyMachineSnapshot } : {}),
      });
    } catch (err) {
      const what = restoring ? 'cannot restore the machine' : 'cannot create the machine actor';
      this.fail(persisted, `${what}: ${describeError(err, ERROR_TEXT_CHARS)}; retry starts it afresh`);
      return;
    }
    this.actor.subscribe(this);
    this.restoring = restoring;
    this.actor.start();
    this.restoring = false;
  }

  /** Observer: a new snapshot (also the done one). */
  next(snapshot: AnyMachineSnapshot): void {
    this.report(snapshot, false);
  }

  /** Observer: the actor failed (an action threw, an invoked actor rejected unhandled, …). */
  error(): void {
    if (this.actor) this.report(this.actor.getSnapshot() as AnyMachineSnapshot, false);
  }

  poll(): void {
    if (this.actor?.getSnapshot().status === 'active') this.actor.send(pollEvent);
  }

  approve(by: string, reason: string): void {
    const actor = this.actor;
    if (actor?.getSnapshot().status !== 'active') return;
    const event: AnyEventObject = { type: 'rnr.approve', by, reason };
    actor.send(event);
    // The machine decides: one that did not take the approval stays (or again is) ACTION_PENDING.
    const after = actor.getSnapshot() as AnyMachineSnapshot;
    if (after.status === 'active') this.report(after, true);
  }

  stop(): void {
    // The record keeps the last snapshot: the task view shows where it stopped, and an operator
    // setting the task RUNNING again resumes from there.
    if (this.actor) this.node.machineSnapshot = this.persisted();
    this.actor?.stop();
    this.live = undefined;
  }

  persisted(): unknown {
    const actor = this.actor;
    if (!actor) return this.node.machineSnapshot;
    const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
    if (this.persistedFor !== snapshot) {
      this.persistedSnapshot = persistedOf(actor, snapshot);
      this.persistedFor = snapshot;
    }
    return this.persistedSnapshot;
  }

  status(): MachineStatus {
    if (this.failedStatus) return this.failedStatus;
    if (!this.actor) return restingStatus(this.machine, undefined);
    this.live ??= statusOf(this.machine, this.actor.getSnapshot() as AnyMachineSnapshot);
    return this.live;
  }

  private report(snapshot: AnyMachineSnapshot, force: boolean): void {
    if (snapshot === this.seen && !force) return;
    this.seen = snapshot;
    this.live = undefined;
    const node = this.node;
    try {
      this.host.persist(node);
      const derived = deriveState(this.machine, snapshot);
      const { state } = derived;
      const message = capMessage(
        this.restoring && snapshot.status === 'error'
          ? `cannot restore the machine: ${derived.message}; retry starts it afresh`
          : derived.message,
      );
      // A step that changes neither (drain.evicting → drain.waiting under one message) is persisted
      // and shows in Task.machine, but is no event: the log stays a record of what operators see.
      if (state !== node.state || message !== node.message) this.host.apply(node, state, message);
    } catch (err) {
      this.host.error(`machine task ${JSON.stringify(node.id)}`, err);
    }
  }

  private fail(persisted: unknown, message: string): void {
    const resting = restingStatus(this.machine, persisted);
    this.failedStatus = { ...resting, status: 'error' };
    try {
      this.host.apply(this.node, TaskState.FAILED, capMessage(message));
    } catch (err) {
      this.host.error(`machine task ${JSON.stringify(this.node.id)}`, err);
    }
  }
}

/**
 * Starts the user's actor for a machine task: fresh, or restored from `persisted` (the snapshot
 * kept with the task's record) when that snapshot is still active. A snapshot that cannot come back
 * makes the task FAILED with the reason; an operator's retry starts a fresh actor.
 */
export function createMachineRunner(node: TaskNode, persisted: unknown, host: MachineHost): MachineRunner {
  const run = new MachineRun(node, host);
  run.start(persisted);
  return run;
}

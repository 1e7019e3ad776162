import {
  type Actor,
  type AnyActorRef,
  type AnyStateMachine,
  assign,
  createActor,
  type Snapshot,
  type StateValue,
  stopChild,
  transition,
} from 'xstate';
import { jobMachine } from '../../machines/job.machine.js';
import {
  canStartChild,
  type NestedMachineContext,
  type NestedSchedulingEvent,
  nestedSchedulingMachine,
} from '../../machines/nested.machine.js';
import { type TaskStateKey, taskMachine } from '../../machines/task.machine.js';
import type { Clock } from './clock.js';
import type { TaskIndex } from './task-index.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, stateName, TaskState } from './task-state.js';
import { type JobOptions, TaskKind } from './types.js';

/** What an actor asked of the engine while it handled one event (its chart's engine actions). */
export interface ActorEffects {
  /** Children it spawned to start (the nested chart's `startChildren`, the job's `startRoot`). */
  started: TaskNode[];
  /** The task asked to be polled (the task chart's `poll` on a tick). */
  poll: boolean;
  /** The nested task asked for its children (`resolveChildren` on a tick while they are unknown). */
  resolve: boolean;
}

/** What the actor tree needs of its job. */
export interface ActorTreeHost {
  readonly jobId: string;
  readonly clock: Clock;
  readonly inspect: JobOptions['inspect'];
  readonly pollIntervalMs: number;
  readonly root: TaskNode;
  readonly index: TaskIndex;
  /** The job chart's timer fired: run a tick (outside XState's action, see `tickDue`). */
  tickDue(): void;
}

const TICK = Object.freeze({ type: 'tick' as const });
const START = Object.freeze({ type: 'start' as const });

/** The task state a chart's snapshot value stands for: its top-level state node. */
export function stateOfValue(value: StateValue): TaskState {
  const key = typeof value === 'string' ? value : (Object.keys(value)[0] as string);
  return TaskState[key as TaskStateKey];
}

/**
 * The job's actor tree. The job's actor (machines/job.machine.ts) is the root; the root task's
 * actor is its child; an active nested task's actor (machines/nested.machine.ts) has its active
 * children's actors as its own children, created by its chart's actions; a leaf's actor runs the task chart
 * (machines/task.machine.ts). Every task actor's id is its task id. PENDING and DONE tasks have no
 * actor, except a nested task that still holds active children (after an operator set it DONE or
 * PENDING while they run): it keeps its actor so they keep their parent.
 *
 * This class provides the charts' engine actions (spawning, asking for polls and children) and
 * sends events; it never changes a task's record (the transition core does, from what the actors
 * decide). Every `send` here is made outside XState's processing, so an actor has settled by the
 * time `send` returns.
 */
export class TaskActors {
  /** The job's actor: the ticker and the root of the tree. */
  readonly job: Actor<typeof jobMachine>;
  private readonly taskLogic: AnyStateMachine;
  private readonly nestedLogic: AnyStateMachine;
  private effects: ActorEffects = { started: [], poll: false, resolve: false };
  /** A leaf's snapshot after `start` when it never ran (attempt 0, not paused): the same for all. */
  private firstStart: Snapshot<unknown> | undefined;

  /** `JobOptions.inspect`, given (through the job's actor) to every actor of the tree. */
  get inspect(): JobOptions['inspect'] {
    return this.host.inspect;
  }

  constructor(private readonly host: ActorTreeHost) {
    this.taskLogic = taskMachine.provide({
      actions: {
        poll: () => {
          this.effects.poll = true;
        },
      },
    });
    // A child is released by its parent's `stopChild`, found through its task (see spawnChild).
    // Only when the change says so (`release`): a settling parent must not stop a child that holds
    // running children of its own.
    const released = (event: { type: string; id?: string; release?: boolean }): AnyActorRef | string =>
      (event.type === 'child.changed' &&
        event.release === true &&
        event.id !== undefined &&
        host.index.byId.get(event.id)?.actor) ||
      '';
    this.nestedLogic = nestedSchedulingMachine.provide({
      actions: {
        startChildren: assign(({ context, self }) => this.startChildren(context, self)),
        adoptChild: assign(({ event, self }) => {
          if (event.type === 'child.adopt')
            this.spawnChild(event.id, self, { type: 'set', state: event.state });
          return {};
        }),
        resolveChildren: () => {
          this.effects.resolve = true;
        },
        releaseChild: stopChild(({ event }) => released(event)),
      },
    });
    const root = host.root;
    this.job = createActor(
      jobMachine.provide({
        actions: {
          // Tick outside the action: a tick sends events to the task actors, which must not run
          // while a custom action of this actor executes.
          tickDue: () => queueMicrotask(() => host.tickDue()),
          // Spawning actions are assigns (that change no context): XState's pure transition,
          // which spawnChild uses, must not run inside a custom action (it warns).
          startRoot: assign(({ self }) => {
            if (!root.actor) this.spawnChild(root.id, self, START);
            this.effects.started.push(root);
            return {};
          }),
          adoptChild: assign(({ event, self }) => {
            if (event.type === 'child.adopt')
              this.spawnChild(event.id, self, { type: 'set', state: event.state });
            return {};
          }),
          releaseChild: stopChild(({ event }) => released(event)),
        },
        guards: {
          canStartRoot: () => group(root.state) === SchedulingGroup.PENDING && !root.paused,
        },
      }),
      {
        id: host.jobId,
        input: { intervalMs: host.pollIntervalMs },
        clock: host.clock,
        inspect: host.inspect,
      },
    ).start();
  }

  /** Sends `event` to a task's actor and returns what its chart asked of the engine meanwhile. */
  send(node: TaskNode, event: NestedSchedulingEvent): ActorEffects {
    const effects: ActorEffects = { started: [], poll: false, resolve: false };
    this.effects = effects;
    node.actor?.send(event);
    return effects;
  }

  /** The job's tick on its own actor: the root task when the job starts it (else empty). */
  tickJob(): TaskNode[] {
    const effects: ActorEffects = { started: [], poll: false, resolve: false };
    this.effects = effects;
    this.job.send(TICK);
    return effects.started;
  }

  /** The tick on an active leaf's actor: true when its chart asks for a poll. */
  tickLeaf(node: TaskNode): boolean {
    // The hot path of a tick (one per running leaf): no effects object.
    const effects = this.effects;
    effects.poll = false;
    node.actor?.send(TICK);
    const poll = effects.poll;
    effects.poll = false;
    return poll;
  }

  /** The tick on an active nested task's actor. */
  tickNested(node: TaskNode): ActorEffects {
    return this.send(node, TICK);
  }

  /** The task state a task's actor is in (the task must have one). */
  stateOf(node: TaskNode): TaskState {
    return stateOfValue((node.actor as AnyActorRef).getSnapshot().value);
  }

  /** True when a nested task's chart would start another child now (its guard, on its counters). */
  canStartMore(node: TaskNode): boolean {
    const actor = node.actor;
    return actor !== undefined && canStartChild(actor.getSnapshot().context as NestedMachineContext);
  }

  /**
   * Gives a task that became active other than by its parent's start an actor in `state`: spawned
   * by its parent's actor (a nested parent without one first gets one, to hold it), or the job's
   * for the root.
   */
  adopt(node: TaskNode, state: TaskState): void {
    if (node.actor) return;
    const parent = node.parent;
    if (parent && !parent.actor) this.adopt(parent, parent.state);
    const host: AnyActorRef = parent ? (parent.actor as AnyActorRef) : this.job;
    host.send({ type: 'child.adopt', id: node.id, state: stateName(state) });
  }

  /** Tells a task's parent actor (the job's, for the root) that the task changed. */
  tellParent(node: TaskNode, from: TaskState, to: TaskState, release: boolean): void {
    const host = (node.parent ? node.parent.actor : this.job) as AnyActorRef | undefined;
    host?.send({ type: 'child.changed', id: node.id, from: stateName(from), to: stateName(to), release });
  }

  /** Starts (`start`) or stops (`stop`) the job's timer. */
  ticking(on: boolean): void {
    this.job.send({ type: on ? 'start' : 'stop' });
  }

  /**
   * Stops every actor of the tree (closing the job), children before their parents: each is
   * released by its parent's `stopChild`, as when its task finishes; then the job's actor stops.
   */
  stop(): void {
    const release = (node: TaskNode): void => {
      if (!node.actor) return;
      if (node.children) for (const child of node.children) release(child);
      this.tellParent(node, node.state, node.state, true);
      node.actor = undefined;
      if (node.parent) node.parent.liveChildren--;
    };
    release(this.host.root);
    this.job.stop();
  }

  /** The nested chart's `startChildren`: spawns the next PENDING children while its guard holds. */
  private startChildren(context: NestedMachineContext, self: AnyActorRef): Partial<NestedMachineContext> {
    const node = this.host.index.byId.get(self.id);
    const kids = node?.children;
    if (!node || !kids) return {};
    let i = node.cursor;
    while (i < kids.length && group((kids[i] as TaskNode).state) !== SchedulingGroup.PENDING) i++;
    node.cursor = i;
    const counts = { ...context };
    while (canStartChild(counts)) {
      while (
        i < kids.length &&
        (group((kids[i] as TaskNode).state) !== SchedulingGroup.PENDING || (kids[i] as TaskNode).paused)
      )
        i++;
      const child = kids[i++];
      if (!child) break;
      if (!child.actor) this.spawnChild(child.id, self, START);
      this.effects.started.push(child);
      counts.pending--;
      counts.running++;
    }
    return { pending: counts.pending, running: counts.running };
  }

  /**
   * Creates and starts the actor of task `id` as a child of `parent` (the actor whose chart action
   * runs), in the state its chart's `event` leads to from its record: `start` for a child its
   * parent starts, `set` for one adopted. The transition is XState's own, computed purely, so the
   * actor is born in its state rather than created PENDING and sent the event (half the cost of a
   * leaf's start; for a leaf that never ran, one shared snapshot).
   *
   * It is a child in XState's sense (its `_parent`: what it sends its parent, the inspector's tree,
   * the system and clock it shares), made with `createActor(…, { parent })` rather than `spawn`:
   * `spawn` and `stopChild` copy the parent's `snapshot.children` object on every child, measured
   * at ~100 µs per stop with 100 running children and ~12 ms with 10,000 (quadratic; see
   * docs/engine.md). The parent still stops it with its chart's `stopChild`.
   */
  private spawnChild(id: string, parent: AnyActorRef, event: NestedSchedulingEvent): void {
    const node = this.host.index.byId.get(id);
    if (!node || node.actor) return;
    const logic = node.isNested ? this.nestedLogic : this.taskLogic;
    const snapshot = this.snapshotAfter(node, logic, event);
    node.actor = createActor(logic, { id, parent, snapshot }).start();
    if (node.parent) node.parent.liveChildren++;
  }

  private snapshotAfter(
    node: TaskNode,
    logic: AnyStateMachine,
    event: NestedSchedulingEvent,
  ): Snapshot<unknown> {
    const first = event === START && !node.isNested && node.attempt === 0 && !node.paused;
    if (first && this.firstStart) return this.firstStart;
    const before = logic.resolveState({ value: stateName(node.state), context: chartContextOf(node) });
    const [after] = transition(logic, before, event);
    if (first) this.firstStart = after;
    return after;
  }
}

/** The context of a task's chart as its record stands: its actor's input, or a pure transition's. */
export function chartContextOf(node: TaskNode): NestedMachineContext | { attempt: number; paused: boolean } {
  const spec = node.spec;
  if (spec.kind !== TaskKind.NESTED) return { attempt: node.attempt, paused: node.paused };
  return {
    attempt: node.attempt,
    paused: node.paused,
    parallelism: node.parallelism,
    failFast: spec.failFast,
    pending: node.pendingCount,
    running: node.runningCount,
    failed: node.failedCount,
    resolved: node.children !== undefined && !node.resolveAgain,
    dynamic: typeof spec.children === 'function',
  };
}

import { settledState } from '../../machines/nested.machine.js';
import { ChildrenResolver, type ResolverHost } from './children-resolver.js';
import type { PollRunner } from './poll-runner.js';
import type { ActorEffects, TaskActors } from './task-actors.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, TaskState } from './task-state.js';
import type { TaskTransitions } from './task-transitions.js';
import { EventCause, TaskKind } from './types.js';

const noop = () => {};
const RUNNING = SchedulingGroup.RUNNING;

/**
 * The tick, as an event through the job's actor tree. First the job's actor gets it (and starts the
 * root task when it is PENDING), then every running nested task's actor, in the order they started
 * (its chart starts PENDING children while its guard allows; a nested child started so gets the
 * tick at once, depth first), then every running leaf's actor (its chart asks for a poll unless the
 * task is paused; the poll runs once the actor has handled the tick). A children function is
 * resolved when a nested task's actor asks for its children on a tick; the tick waits for it, so
 * children started after it are polled in the same tick. The cost follows the running tasks.
 */
export class Scheduler {
  private readonly resolver: ChildrenResolver;

  constructor(
    private readonly host: ResolverHost,
    private readonly changes: TaskTransitions,
    private readonly actors: TaskActors,
    private readonly polls: PollRunner,
  ) {
    this.resolver = new ChildrenResolver(host, changes, (node) => this.resolved(node));
  }

  /**
   * One tick; resolves when the polls it started have settled and what they changed is committed.
   * Rejects when a commit fails.
   */
  tick(): Promise<void> {
    const ticked = new Set<TaskNode>();
    const started = this.actors.tickJob();
    const rooted = started.length > 0 ? this.startAll(started, ticked) : undefined;
    const scheduled = rooted ? rooted.then(() => this.drainNested(ticked)) : this.drainNested(ticked);
    return scheduled ? scheduled.then(() => this.pollPhase()) : this.pollPhase();
  }

  /** A retried nested task resolves its children function again when it next runs. */
  resolveAgain(node: TaskNode): void {
    this.resolver.resolveAgain(node);
  }

  /**
   * After an operator's change, DONE ancestors that the scheduler settled (not an operator) reopen
   * to RUNNING when their children no longer justify their state, up to the root.
   */
  reopenAncestors(node: TaskNode): void {
    for (let a = node.parent; a; a = a.parent) {
      if (group(a.state) !== SchedulingGroup.DONE || a.stateSetByOperator) return;
      const settled = settledState({
        parallelism: a.parallelism,
        failFast: a.spec.kind === TaskKind.NESTED && a.spec.failFast,
        paused: a.paused,
        pending: a.pendingCount,
        running: a.runningCount,
        failed: a.failedCount,
      });
      if (settled !== undefined && TaskState[settled] === a.state) return;
      this.changes.apply(a, { type: 'set', state: 'RUNNING' }, EventCause.SCHEDULER, {
        reason: `reopened: ${node.id} changed`,
      });
    }
  }

  /** Ticks every running nested task's actor once (those started meanwhile included). */
  private drainNested(ticked: Set<TaskNode>): undefined | Promise<void> {
    for (const node of this.changes.runningNested) {
      if (ticked.has(node)) continue;
      const wait = this.schedule(node, ticked);
      if (wait) return wait.then(() => this.drainNested(ticked));
    }
    return undefined;
  }

  private schedule(node: TaskNode, ticked: Set<TaskNode>): undefined | Promise<void> {
    ticked.add(node);
    return this.follow(node, this.actors.tickNested(node), ticked);
  }

  /**
   * Carries out what a nested task's actor asked for: its children, or the starts of the children
   * it spawned. A child that settled as it started (a nested task with nothing to do) frees its
   * place, so the actor gets the tick again while its guard would start another.
   */
  private follow(node: TaskNode, asked: ActorEffects, ticked: Set<TaskNode>): undefined | Promise<void> {
    this.changes.settledIfChanged(node);
    if (asked.resolve) return this.resolver.resolve(node);
    if (asked.started.length === 0) return undefined;
    const wait = this.startAll(asked.started, ticked);
    const more = () =>
      group(node.state) === RUNNING && this.actors.canStartMore(node)
        ? this.follow(node, this.actors.tickNested(node), ticked)
        : undefined;
    return wait ? wait.then(more) : more();
  }

  /** Records the starts of children an actor spawned, each nested one ticked at once. */
  private startAll(children: readonly TaskNode[], ticked: Set<TaskNode>): undefined | Promise<void> {
    const waits: Promise<void>[] = [];
    for (const child of children) {
      this.changes.started(child);
      if (!child.isNested || group(child.state) !== RUNNING) continue;
      const wait = this.schedule(child, ticked);
      if (wait) waits.push(wait);
    }
    return waits.length > 0 ? Promise.all(waits).then(noop) : undefined;
  }

  /** A children function answered: the nested task's actor learns its counters and schedules. */
  private resolved(node: TaskNode): undefined | Promise<void> {
    if (!node.actor || group(node.state) !== RUNNING || !node.children) return undefined;
    const asked = this.actors.send(node, {
      type: 'children.resolved',
      pending: node.pendingCount,
      running: node.runningCount,
      failed: node.failedCount,
    });
    return this.follow(node, asked, new Set());
  }

  /**
   * Starts the retries that are due (each polled in this tick), then delivers the tick to every
   * running leaf's actor and polls those whose chart asks for it (a leaf backing off after a poll
   * error waits until its `pollAt`).
   */
  private pollPhase(): Promise<void> {
    const waits: Promise<void>[] = [];
    const now = this.host.clock.now();
    this.changes.retries.startDue(now);
    for (const node of this.changes.runningLeaves) {
      if (node.pollErrors > 0 && node.pollAt > now) continue;
      if (!this.actors.tickLeaf(node) || node.inflight) continue;
      const wait = this.polls.poll(node);
      if (wait) waits.push(wait);
    }
    // The scheduling and synchronous poll results of the tick: one batch. Async results follow.
    const first = this.changes.commit();
    if (waits.length === 0) return first;
    return Promise.all(waits).then(() => this.changes.commit());
  }
}

import { canStartChild, type NestedSchedulingContext, settledState } from '../../machines/nested.machine.js';
import type { TaskMachineEvent } from '../../machines/task.machine.js';
import { describeError } from '../errors.js';
import type { Clock } from './clock.js';
import { ERROR_TEXT_CHARS } from './message-cap.js';
import { checkChildren } from './specs.js';
import type { TaskNode } from './task-node.js';
import { TaskState } from './task-state.js';
import { adopt, type ThenFn, thenOf } from './thenable.js';
import type { TaskIndex } from './tree.js';
import { EventCause, TaskKind, type TaskSpec } from './types.js';

/** Scheduling groups as small integers, for the hot path. */
export const G_PENDING = 0;
export const G_RUNNING = 1;
export const G_DONE = 2;
const GROUP = [G_PENDING, G_PENDING, G_RUNNING, G_DONE, G_DONE, G_DONE, G_RUNNING] as const;
/** The scheduling group of a state as a small integer. */
export const group = (s: TaskState): number => GROUP[s] ?? G_PENDING;

/** Who and why, carried onto the event a change records. */
export interface EventMeta {
  actor?: string;
  reason?: string;
  action?: string;
}

/** What the scheduler needs of its job. */
export interface SchedulerHost {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  readonly root: TaskNode;
  readonly index: TaskIndex;
  apply(node: TaskNode, event: TaskMachineEvent, cause: EventCause, meta?: EventMeta): boolean;
  record(node: TaskNode, from: TaskState, cause: EventCause, meta?: EventMeta): void;
  ensureMachine(node: TaskNode, fresh: boolean): void;
  restoreSubtree(node: TaskNode): void;
  initCounters(node: TaskNode): void;
}

/**
 * The nested tasks' scheduler: starts PENDING children in order under `parallelism`, settles nested
 * tasks whose children are done, resolves children functions, and reopens DONE ancestors after an
 * operator's change. It visits only nested tasks whose children changed (`dirty`), so its cost
 * follows the changes, not the job's size.
 */
export class NestedScheduler {
  /** Nested tasks whose children changed: to schedule and settle. */
  readonly dirty = new Set<TaskNode>();
  /** Nested tasks whose children function must run again (after a retry). */
  readonly needsResolve = new Set<TaskNode>();
  private readonly resolving = new Map<TaskNode, Promise<void>>();

  constructor(private readonly host: SchedulerHost) {}

  schedulePhase(): undefined | Promise<void> {
    const root = this.host.root;
    if (group(root.state) === G_PENDING && !root.paused) {
      const started = this.startNode(root);
      if (started) return started.then(() => this.drainDirty());
    }
    return this.drainDirty();
  }

  private drainDirty(): undefined | Promise<void> {
    for (const node of this.dirty) {
      this.dirty.delete(node);
      const pending = this.scheduleNested(node, true);
      if (pending) return pending.then(() => this.drainDirty());
    }
    return undefined;
  }

  /** Settles nested tasks whose children are all done; starts nothing (DESIGN §4 rule 2). */
  settlePhase(): void {
    for (const node of this.dirty) this.settle(node);
  }

  private startNode(node: TaskNode): undefined | Promise<void> {
    this.host.apply(node, { type: 'start' }, EventCause.SCHEDULER);
    if (node.isNested) return this.scheduleNested(node, true);
    if (node.spec.kind === TaskKind.MACHINE) this.host.ensureMachine(node, true);
    return undefined;
  }

  private scheduleNested(node: TaskNode, allowStart: boolean): undefined | Promise<void> {
    if (!node.isNested || group(node.state) !== G_RUNNING) return undefined;
    if (!node.children || this.needsResolve.has(node)) return this.resolveChildren(node);
    if (this.resolving.has(node)) return undefined;
    if (allowStart) {
      const started = this.startChildren(node);
      if (started) return started;
    }
    this.settle(node);
    return undefined;
  }

  private startChildren(node: TaskNode): undefined | Promise<void> {
    const kids = node.children as TaskNode[];
    while (canStartChild(this.nestedContext(node))) {
      let i = node.cursor;
      while (i < kids.length && group((kids[i] as TaskNode).state) !== G_PENDING) i++;
      node.cursor = i;
      while (
        i < kids.length &&
        (group((kids[i] as TaskNode).state) !== G_PENDING || (kids[i] as TaskNode).paused)
      )
        i++;
      const child = kids[i];
      if (!child) break;
      const started = this.startNode(child);
      if (started) return started.then(() => this.scheduleNested(node, true));
    }
    return undefined;
  }

  private settle(node: TaskNode): void {
    if (!node.isNested || group(node.state) !== G_RUNNING || !node.children || this.resolving.has(node))
      return;
    if (this.needsResolve.has(node)) return;
    const settled = settledState(this.nestedContext(node));
    if (!settled) return;
    node.message = summarize(node.children, settled);
    this.host.apply(node, { type: 'result', state: settled }, EventCause.SCHEDULER);
  }

  private nestedContext(node: TaskNode): NestedSchedulingContext {
    return {
      parallelism: node.parallelism,
      failFast: node.spec.kind === TaskKind.NESTED && node.spec.failFast,
      paused: node.paused,
      pending: node.pendingCount,
      running: node.runningCount,
      failed: node.failedCount,
    };
  }

  /** Resolves a children function (first start, or after a retry); existing children keep their state. */
  private resolveChildren(node: TaskNode): undefined | Promise<void> {
    const existing = this.resolving.get(node);
    if (existing) return existing;
    const spec = node.spec;
    if (spec.kind !== TaskKind.NESTED || typeof spec.children !== 'function') return undefined;
    this.needsResolve.delete(node);
    let out: unknown;
    let then: ThenFn | undefined;
    try {
      out = spec.children({
        task: { id: node.id, name: node.name, attempt: node.attempt },
        job: { id: this.host.id, name: this.host.name },
      });
      // Reading `then` runs the user's getter or Proxy trap: what it throws fails the task.
      then = thenOf(out);
    } catch (err) {
      this.failChildren(node, err);
      return undefined;
    }
    if (then) {
      const wait = adopt(out, then)
        .then(
          (list) => this.attachChildren(node, list),
          (err) => this.failChildren(node, err),
        )
        .finally(() => this.resolving.delete(node))
        .then(() => this.scheduleNested(node, true));
      this.resolving.set(node, wait);
      return wait;
    }
    this.attachChildren(node, out);
    return this.scheduleNested(node, true);
  }

  private attachChildren(node: TaskNode, list: unknown): void {
    if (group(node.state) !== G_RUNNING) return;
    let specs: readonly TaskSpec[];
    let ids: string[];
    try {
      specs = checkChildren(node.name, list);
      ids = this.host.index.childIds(node, specs);
    } catch (err) {
      this.failChildren(node, err);
      return;
    }
    const kids = node.children ?? [];
    const known = new Set(kids.map((k) => k.id));
    const added: TaskNode[] = [];
    const now = this.host.clock.now();
    try {
      specs.forEach((childSpec, i) => {
        const id = ids[i] as string;
        if (known.has(id)) return;
        added.push(this.host.index.build(childSpec, node, now, id));
      });
    } catch (err) {
      for (const n of added) this.host.index.remove(n);
      this.failChildren(node, err);
      return;
    }
    node.children = kids;
    for (const child of added) {
      child.index = kids.length;
      kids.push(child);
      this.host.restoreSubtree(child);
      this.host.initCounters(child);
      this.host.record(child, TaskState.UNKNOWN, EventCause.SCHEDULER, { reason: 'discovered' });
    }
  }

  private failChildren(node: TaskNode, err: unknown): void {
    node.children ??= [];
    node.message = `children: ${describeError(err, ERROR_TEXT_CHARS)}`;
    this.host.apply(node, { type: 'result', state: 'FAILED' }, EventCause.SYSTEM);
  }

  /** After an operator change, DONE ancestors that the scheduler settled reopen when they no longer fit. */
  reopenAncestors(node: TaskNode): void {
    for (let a = node.parent; a; a = a.parent) {
      if (group(a.state) !== G_DONE) {
        this.dirty.add(a);
        return;
      }
      if (a.stateSetByOperator) return;
      const settled = settledState(this.nestedContext(a));
      if (settled !== undefined && TaskState[settled] === a.state) return;
      this.host.apply(a, { type: 'set', state: 'RUNNING' }, EventCause.SCHEDULER, {
        reason: `reopened: ${node.id} changed`,
      });
    }
  }
}

/** The status line of a nested task that settled: which children failed, or how many are done. */
function summarize(children: readonly TaskNode[], settled: 'SUCCESS' | 'FAILED'): string {
  if (settled === 'FAILED') {
    const failed = children.filter((c) => c.state === TaskState.FAILED).map((c) => c.name);
    const shown = failed.slice(0, 3).join(', ') + (failed.length > 3 ? `, +${failed.length - 3} more` : '');
    return `${failed.length} ${failed.length === 1 ? 'child' : 'children'} failed: ${shown}`;
  }
  const skipped = children.filter((c) => c.state === TaskState.SKIPPED).length;
  return `${children.length - skipped} done${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

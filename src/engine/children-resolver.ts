import { describeError } from '../errors.js';
import type { Clock } from './clock.js';
import { ERROR_TEXT_CHARS } from './message-cap.js';
import { checkChildren } from './specs.js';
import type { StoredTasks } from './stored-tasks.js';
import type { TaskIndex } from './task-index.js';
import type { TaskNode } from './task-node.js';
import { schedulingGroup as group, SchedulingGroup, TaskState } from './task-state.js';
import type { TaskTransitions } from './task-transitions.js';
import { adopt, type ThenFn, thenOf } from './thenable.js';
import { EventCause, TaskKind, type TaskSpec } from './types.js';

/** What the children resolver needs of its job. */
export interface ResolverHost {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  readonly index: TaskIndex;
  /** Restores stored records of tasks that come to exist (children a function produced). */
  readonly stored: StoredTasks;
}

/**
 * Runs nested tasks' children functions (when the task first runs, and again after a retry) and
 * attaches what they return: children that exist keep their state (matched by id), new ones are
 * added, counted and announced (`discovered`), and stored records are restored onto them. A
 * function that throws, rejects or returns something other than task specs fails the nested task
 * with the reason in its message.
 */
export class ChildrenResolver {
  private readonly resolving = new Map<TaskNode, Promise<void>>();

  constructor(
    private readonly host: ResolverHost,
    private readonly changes: TaskTransitions,
    /** Called once the children are attached: the nested task's actor learns of them. */
    private readonly attached: (node: TaskNode) => undefined | Promise<void>,
  ) {}

  /** Resolves `node`'s children; a promise while a children function is pending (one per task). */
  resolve(node: TaskNode): undefined | Promise<void> {
    const existing = this.resolving.get(node);
    if (existing) return existing;
    const spec = node.spec;
    if (spec.kind !== TaskKind.NESTED || typeof spec.children !== 'function') return undefined;
    node.resolveAgain = false;
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
        .then(() => this.attached(node));
      this.resolving.set(node, wait);
      return wait;
    }
    this.attachChildren(node, out);
    return this.attached(node);
  }

  /** Marks a retried nested task to resolve its children function again when it next runs. */
  resolveAgain(node: TaskNode): void {
    if (node.spec.kind === TaskKind.NESTED && typeof node.spec.children === 'function')
      node.resolveAgain = true;
  }

  private attachChildren(node: TaskNode, list: unknown): void {
    if (group(node.state) !== SchedulingGroup.RUNNING) return;
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
      this.host.stored.applySubtree(child);
      this.changes.initCounters(child);
      this.changes.record(child, TaskState.UNKNOWN, EventCause.SCHEDULER, { reason: 'discovered' });
    }
    // Restored children that were running get their actors (children of this task's actor).
    for (const child of added) this.changes.activate(child);
  }

  private failChildren(node: TaskNode, err: unknown): void {
    node.children ??= [];
    node.message = `children: ${describeError(err, ERROR_TEXT_CHARS)}`;
    this.changes.apply(node, { type: 'result', state: 'FAILED' }, EventCause.SYSTEM);
  }
}

import type { TaskRecord } from './store.js';
import type { TaskIndex } from './task-index.js';
import type { TaskNode } from './task-node.js';
import { TaskKind } from './types.js';

/**
 * What a store remembered of a job, matched to the tasks of the workflow as they come to exist:
 * static tasks when the job is created, children of children functions when those resolve.
 */
export class StoredTasks {
  /** Records whose task does not exist (yet). */
  private readonly unmatched = new Map<string, TaskRecord>();

  constructor(private readonly index: TaskIndex) {}

  /** Restores every task the workflow defines from its record; keeps the others for later. */
  apply(records: readonly TaskRecord[]): void {
    for (const record of records) {
      const node = this.index.byId.get(record.id);
      if (node) node.restore(record);
      else this.unmatched.set(record.id, record);
    }
  }

  /** Restores the tasks of a subtree that just came to exist (a resolved children function). */
  applySubtree(top: TaskNode): void {
    const stack = [top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      const record = this.unmatched.get(node.id);
      if (record) {
        node.restore(record);
        this.unmatched.delete(node.id);
      }
      if (node.children) for (const child of node.children) stack.push(child);
    }
  }

  /**
   * Stored tasks the workflow no longer defines, outermost only. Children that a children function
   * may still produce are not counted: they are matched when it resolves.
   */
  orphans(): string[] {
    const out: string[] = [];
    for (const [id, record] of this.unmatched) {
      const parent = this.index.byId.get(record.parentId);
      const dynamic = parent?.spec.kind === TaskKind.NESTED && typeof parent.spec.children === 'function';
      if (!dynamic && !this.unmatched.has(record.parentId)) out.push(id);
    }
    return out;
  }
}

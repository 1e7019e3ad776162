import { RnrError } from '../errors.js';
import { TaskNode } from './task-node.js';
import type { TaskSpec } from './types.js';

/** A URL- and shell-friendly slug of a task or job name. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s || 'task';
}

/** The job's index of tasks by id, with the rules for assigning ids (docs/engine.md, "Ids"). */
export class TaskIndex {
  readonly byId = new Map<string, TaskNode>();

  /** Creates the node for `spec` under `parent` (not yet attached); throws on a duplicate id. */
  create(spec: TaskSpec, parent: TaskNode | undefined, now: number, givenId = spec.id): TaskNode {
    let id: string;
    if (givenId !== undefined) {
      id = givenId;
      const other = this.byId.get(id);
      if (other) {
        throw new RnrError(
          'RNR_ERR_DUPLICATE_TASK_ID',
          `duplicate task id ${JSON.stringify(id)}: task ${JSON.stringify(spec.name)}${where(parent)} and task ${JSON.stringify(other.name)}${where(other.parent)}`,
        );
      }
    } else {
      const base = parent ? `${parent.id}/${slug(spec.name)}` : slug(spec.name);
      id = base;
      for (let n = 2; this.byId.has(id); n++) id = `${base}-${n}`;
    }
    const node = new TaskNode(id, spec, parent, now);
    this.byId.set(id, node);
    return node;
  }

  /**
   * Builds `spec` and its static descendants under `parent`. Children given as a function are left
   * unresolved (resolved when the nested task starts).
   */
  build(spec: TaskSpec, parent: TaskNode | undefined, now: number, givenId = spec.id): TaskNode {
    const root = this.create(spec, parent, now, givenId);
    const stack: TaskNode[] = [root];
    for (let node = stack.pop(); node; node = stack.pop()) {
      const s = node.spec;
      if (s.kind !== 1 || typeof s.children === 'function') continue;
      const kids = node.children as TaskNode[];
      for (let i = 0; i < s.children.length; i++) {
        const child = this.create(s.children[i] as TaskSpec, node, now);
        child.index = i;
        kids.push(child);
        stack.push(child);
      }
    }
    return root;
  }

  /**
   * The ids a resolved children list gets under `parent`: explicit ids as given; default ids the
   * parent's id + '/' + a slug of the name, deduplicated by suffix against siblings in the list and
   * against every other task of the job. A default id that names an existing child of `parent` is
   * that child (a re-resolution keeps it).
   */
  childIds(parent: TaskNode, specs: readonly TaskSpec[]): string[] {
    const claimed = new Set<string>();
    for (const spec of specs) if (spec.id !== undefined) claimed.add(spec.id);
    return specs.map((spec) => {
      if (spec.id !== undefined) return spec.id;
      const base = `${parent.id}/${slug(spec.name)}`;
      let id = base;
      for (let n = 2; claimed.has(id) || this.takenElsewhere(id, parent); n++) id = `${base}-${n}`;
      claimed.add(id);
      return id;
    });
  }

  private takenElsewhere(id: string, parent: TaskNode): boolean {
    const owner = this.byId.get(id);
    return owner !== undefined && owner.parent !== parent;
  }

  /** Removes a node and its descendants from the index (a failed dynamic resolution). */
  remove(node: TaskNode): void {
    this.byId.delete(node.id);
    for (const child of node.children ?? []) this.remove(child);
  }
}

function where(parent: TaskNode | undefined): string {
  return parent ? ` (under ${JSON.stringify(parent.id)})` : ' (the root)';
}

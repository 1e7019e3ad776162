import type { TaskTree } from './task-tree.js';

/** What the job page filters on: a set of state numbers (empty: all) and a text. */
export interface TreeFilter {
  states: ReadonlySet<number>;
  text: string;
}

/** True when the filter lets every task through. */
export function isEmptyFilter(filter: TreeFilter): boolean {
  return filter.states.size === 0 && filter.text.trim() === '';
}

/**
 * The rows to draw, in preorder: without a filter, every task whose ancestors are all expanded;
 * with one, every matching task plus its ancestors (so it keeps its place in the tree), ignoring
 * collapse. O(visible) without a filter, O(n) with one — a few ms at 100,000 tasks.
 */
export function visibleRows(tree: TaskTree, collapsed: ReadonlySet<number>, filter: TreeFilter): Int32Array {
  const n = tree.n;
  const out = new Int32Array(n);
  let count = 0;
  if (isEmptyFilter(filter)) {
    for (let i = 0; i < n; ) {
      out[count++] = i;
      i += collapsed.has(i) ? tree.size[i]! : 1;
    }
    return out.subarray(0, count);
  }
  const keep = new Uint8Array(n);
  const text = filter.text.trim().toLowerCase();
  const states = filter.states;
  for (let i = n - 1; i >= 0; i--) {
    if (keep[i] === 0 && matches(tree, i, states, text)) keep[i] = 1;
    if (keep[i] === 1) {
      const p = tree.parent[i]!;
      if (p >= 0) keep[p] = 1;
    }
  }
  for (let i = 0; i < n; ) {
    if (keep[i] === 1) {
      out[count++] = i;
      i++;
    } else {
      i += tree.size[i]!;
    }
  }
  return out.subarray(0, count);
}

function matches(tree: TaskTree, i: number, states: ReadonlySet<number>, text: string): boolean {
  if (states.size > 0 && !states.has(tree.state[i]!)) return false;
  if (text === '') return true;
  return (
    tree.names[i]!.toLowerCase().includes(text) ||
    tree.ids[i]!.toLowerCase().includes(text) ||
    tree.messages[i]!.toLowerCase().includes(text)
  );
}

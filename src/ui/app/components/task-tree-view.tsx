import type { JSX } from 'preact';
import type { TaskTree } from '../model/task-tree.js';
import { ROW_HEIGHT, TaskRow } from './task-row.js';
import { VirtualList } from './virtual-list.js';

/** Props of {@link TaskTreeView}. */
export interface TaskTreeViewProps {
  tree: TaskTree;
  /** Task indices of the visible rows, in order. */
  rows: Int32Array;
  collapsed: ReadonlySet<number>;
  /** Position of the selected row in `rows`, or -1. */
  activePos: number;
  now: number;
  onSelect(pos: number): void;
  onToggle(index: number, expand?: boolean): void;
}

/**
 * The task tree as an ARIA tree over a virtual list: arrow keys move (Right/Left also expand,
 * collapse and go to the parent), Home/End and PageUp/PageDown jump, Enter toggles a nested task.
 */
export function TaskTreeView(props: TaskTreeViewProps) {
  const { tree, rows, collapsed, activePos } = props;

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const pos = Math.max(activePos, 0);
    const i = rows[pos];
    const go = (p: number) => props.onSelect(Math.max(0, Math.min(rows.length - 1, p)));
    const nested = i !== undefined && tree.kind[i] === 1;
    switch (e.key) {
      case 'ArrowDown':
        go(activePos < 0 ? 0 : pos + 1);
        break;
      case 'ArrowUp':
        go(pos - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(rows.length - 1);
        break;
      case 'PageDown':
        go(pos + 20);
        break;
      case 'PageUp':
        go(pos - 20);
        break;
      case 'ArrowRight':
        if (i === undefined) return;
        if (nested && collapsed.has(i)) props.onToggle(i, true);
        else if (nested) go(pos + 1);
        break;
      case 'ArrowLeft': {
        if (i === undefined) return;
        if (nested && !collapsed.has(i)) {
          props.onToggle(i, false);
          break;
        }
        const parent = tree.parent[i]!;
        for (let p = pos - 1; p >= 0; p--) {
          if (rows[p] === parent) {
            go(p);
            break;
          }
        }
        break;
      }
      case 'Enter':
      case ' ':
        if (i !== undefined && nested) props.onToggle(i);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <VirtualList
      class="tree"
      role="tree"
      label={`Tasks of ${tree.jobName}`}
      count={rows.length}
      rowHeight={ROW_HEIGHT}
      activeIndex={activePos}
      activeDescendant={activePos >= 0 ? `task-row-${activePos}` : undefined}
      onKeyDown={onKeyDown}
      renderRow={(pos, top) => {
        const i = rows[pos]!;
        return (
          <TaskRow
            key={i}
            tree={tree}
            index={i}
            pos={pos}
            top={top}
            active={pos === activePos}
            expanded={!collapsed.has(i)}
            now={props.now}
            onSelect={props.onSelect}
            onToggle={props.onToggle}
          />
        );
      }}
    />
  );
}

import { nextAttemptText } from '../../../wire/retry.js';
import { elapsed, formatCount, formatTime, retryCountdown } from '../model/format.js';
import type { TaskTree } from '../model/task-tree.js';
import { StateBadge } from './badges.js';

/** Height of one tree row in px (the virtual list places rows by it). */
export const ROW_HEIGHT = 30;

/** Props of {@link TaskRow}. */
export interface TaskRowProps {
  tree: TaskTree;
  /** The task's index in the tree. */
  index: number;
  /** The row's position in the visible list. */
  pos: number;
  top: number;
  active: boolean;
  expanded: boolean;
  now: number;
  onSelect(pos: number): void;
  onToggle(index: number): void;
}

/** One task in the tree: twisty, state, name, nested progress and parallelism, message, elapsed. */
export function TaskRow(p: TaskRowProps) {
  const { tree, index: i } = p;
  const nested = tree.kind[i] === 1;
  const state = tree.state[i]!;
  const depth = tree.depth[i]!;
  const started = tree.startedAt[i] || undefined;
  const finished = tree.finishedAt[i] || undefined;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree container handles the keyboard (aria-activedescendant)
    <div
      id={`task-row-${p.pos}`}
      tabIndex={-1}
      role="treeitem"
      aria-level={depth + 1}
      aria-expanded={nested ? p.expanded : undefined}
      aria-selected={p.active}
      class={`row${p.active ? ' active' : ''}`}
      style={{ top: `${p.top}px`, height: `${ROW_HEIGHT}px` }}
      data-task-id={tree.ids[i]}
      data-state={state}
      onClick={() => p.onSelect(p.pos)}
    >
      <span class="indent" style={{ width: `${Math.min(depth, 12) * 16}px` }} />
      {nested ? (
        <button
          type="button"
          class="twisty"
          tabIndex={-1}
          aria-label={`${p.expanded ? 'Collapse' : 'Expand'} ${tree.names[i]}`}
          onClick={(e) => {
            e.stopPropagation();
            p.onToggle(i);
          }}
        >
          {p.expanded ? '▾' : '▸'}
        </button>
      ) : (
        <span class="twisty" />
      )}
      <StateBadge state={state} paused={tree.paused[i] === 1} compact />
      <span class="name" title={tree.ids[i]}>
        {tree.names[i]}
        {tree.attempt[i]! > 0 ? <span class="attempt"> ↻{tree.attempt[i]}</span> : null}
      </span>
      {tree.paused[i] === 1 ? <span class="paused">paused</span> : null}
      <RetryChip tree={tree} index={i} now={p.now} />
      {nested ? <NestedProgress tree={tree} index={i} /> : <span class="nest" />}
      <span class="msg" title={tree.messages[i]}>
        {tree.messages[i]}
      </span>
      <span class="elapsed">{elapsed(started, finished, p.now)}</span>
    </div>
  );
}

/** A pending automatic retry, small: `↻ 25s`, the time and attempt on hover. */
function RetryChip({ tree, index, now }: { tree: TaskTree; index: number; now: number }) {
  const at = tree.retryAt.get(index);
  if (at === undefined) return null;
  const next = nextAttemptText({ attempt: tree.attempt[index], maxAttempts: tree.maxAttempts.get(index) });
  return (
    <span class="retry" title={`retrying at ${formatTime(at)} (${next})`}>
      ↻ {retryCountdown(at, now)}
    </span>
  );
}

/** A nested task's children: a small bar, done/total, and running against its parallelism. */
function NestedProgress({ tree, index }: { tree: TaskTree; index: number }) {
  const total = tree.childTotal(index);
  const done = tree.childDone(index);
  const running = tree.childRunning(index);
  const pct = total > 0 ? (100 * done) / total : 0;
  return (
    <span
      class="nest"
      title={`${done} of ${total} children done, ${running} running, parallelism ${tree.parallelism[index]}`}
    >
      <span class="minibar" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </span>
      <span class="nest-text">
        {formatCount(done)}/{formatCount(total)}
        <span class="par">
          {' '}
          ▶{running}/∥{tree.parallelism[index]}
        </span>
      </span>
    </span>
  );
}

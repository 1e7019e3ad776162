import pc from 'picocolors';
import { formatDuration } from '../wire/duration.js';
import type { MachineStatus, TaskJson } from '../wire/json.js';
import { retryInText } from '../wire/retry.js';
import { paintState, printable, stateSymbol } from './format.js';

/**
 * Renders a task and its children as an indented tree with state glyphs, one task per line:
 * glyph, id, state, extras (paused, attempt, a pending retry, parallelism, elapsed) and the status
 * message.
 *
 * @example
 * formatTree(job.root);
 * // ▶ upgrade  RUNNING  parallelism 1
 * // ├─ ✓ upgrade/pre-checks  SUCCESS  4s  all green
 * // └─ ◆ upgrade/canary  ACTION_PENDING  waiting for approval
 */
export function formatTree(root: TaskJson, now: number = Date.now()): string {
  const lines: string[] = [];
  const walk = (task: TaskJson, prefix: string, branch: string) => {
    lines.push(prefix + branch + taskLine(task, now));
    const children = task.children ?? [];
    const childPrefix = prefix + (branch === '├─ ' ? '│  ' : branch === '' ? '' : '   ');
    for (const [i, child] of children.entries()) {
      walk(child, childPrefix, i === children.length - 1 ? '└─ ' : '├─ ');
    }
  };
  walk(root, '', '');
  return lines.join('\n');
}

function taskLine(task: TaskJson, now: number): string {
  const state = printable(task.state ?? 'UNKNOWN');
  const extras: string[] = [];
  if (task.paused) extras.push(pc.yellow('paused'));
  if (task.attempt) extras.push(`attempt ${task.attempt}`);
  const retry = retryInText(task, now);
  if (retry) extras.push(pc.yellow(retry));
  if (task.kind === 'NESTED' && task.parallelism) extras.push(`parallelism ${task.parallelism}`);
  if (task.startedAt) extras.push(formatDuration((task.finishedAt ?? now) - task.startedAt));
  if (task.approval?.by) extras.push(`approved by ${printable(task.approval.by)}`);
  if (task.machine) extras.push(machineLine(task.machine));
  const parts = [paintState(state, `${stateSymbol(state)} ${printable(task.id)}`), paintState(state, state)];
  if (extras.length) parts.push(pc.dim(extras.join(', ')));
  if (task.message) parts.push(printable(task.message));
  return parts.join('  ');
}

/**
 * A machine task's statechart status: `machine node-maintenance: reboot.wait-ready (active)`. The
 * value is shown as its active leaf paths; a parallel state lists each region's.
 */
export function machineLine(machine: MachineStatus): string {
  const id = printable(machine.machineId || '?');
  const where = printable(leafPaths(machine.active ?? []).join(', '));
  return `machine ${id}${where ? `: ${where}` : ''} (${printable(machine.status || 'unknown')})`;
}

/** The paths in `active` that no other path extends: `['a', 'a.b', 'c']` → `['a.b', 'c']`. */
function leafPaths(active: string[]): string[] {
  return active.filter((path) => !active.some((other) => other.startsWith(`${path}.`)));
}

/** Every task of a tree, depth first (the root first). */
export function flattenTasks(root: TaskJson): TaskJson[] {
  const out: TaskJson[] = [];
  const stack = [root];
  for (let task = stack.pop(); task; task = stack.pop()) {
    out.push(task);
    const children = task.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as TaskJson);
  }
  return out;
}

import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import { describeError, describeValue } from '../errors.js';
import { ERROR_TEXT_CHARS } from './message-cap.js';
import { isDone, isTaskState, parseTaskState, stateName, TaskState } from './task-state.js';
import type { MachineStatus } from './types.js';

/** The tag that makes a machine task ACTION_PENDING while any active state node carries it. */
export const actionPendingTag = 'action-pending';

/** What the derivation needs to know of a machine, computed once per machine. */
interface MachineFacts {
  /** `meta.message` by dotted state path, with the path's depth. */
  messages: Map<string, { message: string; depth: number }>;
  /** Whether any state node is tagged {@link actionPendingTag}. */
  hasActionPending: boolean;
}

const facts = new WeakMap<AnyStateMachine, MachineFacts>();

function factsOf(machine: AnyStateMachine): MachineFacts {
  let known = facts.get(machine);
  if (known) return known;
  known = { messages: new Map(), hasActionPending: false };
  const stack: AnyStateNode[] = [machine.root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    let message: unknown;
    try {
      message = (node.meta as { message?: unknown } | undefined)?.message;
    } catch {
      // A meta whose `message` getter throws has no message to show: the state's path is shown.
    }
    if (typeof message === 'string' && node.path.length > 0)
      known.messages.set(node.path.join('.'), { message, depth: node.path.length });
    if (node.tags.includes(actionPendingTag)) known.hasActionPending = true;
    stack.push(...Object.values(node.states));
  }
  facts.set(machine, known);
  return known;
}

/** The active state node paths of a state value, outermost first: `{ a: 'b' }` → `['a', 'a.b']`. */
export function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(value)) {
    out.push(prefix + key);
    out.push(...activePaths(sub, `${prefix}${key}.`));
  }
  return out;
}

/** The active leaf paths of a state value, for a status line: `{ a: 'b', c: 'd' }` → `'a.b, c.d'`. */
function leafPaths(value: unknown, prefix = ''): string {
  if (typeof value === 'string') return prefix + value;
  if (typeof value !== 'object' || value === null) return '';
  return Object.entries(value)
    .map(([key, sub]) => leafPaths(sub, `${prefix}${key}.`))
    .join(', ');
}

/** The `meta.message` of the deepest active state node that has one (first in document order on ties). */
function deepestMessage(machine: AnyStateMachine, value: unknown): string | undefined {
  const { messages } = factsOf(machine);
  if (messages.size === 0) return undefined;
  if (typeof value === 'string') return messages.get(value)?.message;
  let best: { message: string; depth: number } | undefined;
  for (const path of activePaths(value)) {
    const found = messages.get(path);
    if (found && (!best || found.depth > best.depth)) best = found;
  }
  return best?.message;
}

/** The TaskState and status line a machine snapshot stands for. */
export interface DerivedState {
  state: TaskState;
  message: string;
}

/**
 * The TaskState and message of a snapshot (DESIGN §3 `machineTask`): done → SUCCESS, or the DONE
 * state named by an output `{ state }` (with an output `{ message }` as the status line); error →
 * FAILED with the error's message; a state node tagged `'action-pending'` → ACTION_PENDING; else
 * RUNNING. The message is the `meta.message` of the deepest active state node that has one, else
 * the active state itself (`drain`, `reboot.wait-ready`).
 */
export function deriveState(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): DerivedState {
  if (snapshot.status === 'error')
    return { state: TaskState.FAILED, message: describeError(snapshot.error, ERROR_TEXT_CHARS) };
  const message = deepestMessage(machine, snapshot.value) ?? leafPaths(snapshot.value);
  if (snapshot.status === 'done') return doneState(snapshot.output, message);
  if (factsOf(machine).hasActionPending && snapshot.hasTag(actionPendingTag))
    return { state: TaskState.ACTION_PENDING, message };
  return { state: TaskState.RUNNING, message };
}

function doneState(output: unknown, message: string): DerivedState {
  if (typeof output !== 'object' || output === null) return { state: TaskState.SUCCESS, message };
  let state: unknown;
  let said: unknown;
  try {
    ({ state, message: said } = output as { state?: unknown; message?: unknown });
  } catch (err) {
    return {
      state: TaskState.FAILED,
      message: `machine finished with an output that cannot be read: ${describeError(err, ERROR_TEXT_CHARS)}`,
    };
  }
  const line = typeof said === 'string' ? said : message;
  if (state === undefined) return { state: TaskState.SUCCESS, message: line };
  if (isTaskState(state) && isDone(parseTaskState(state)))
    return { state: parseTaskState(state), message: line };
  // A finished actor cannot run on: a task it left RUNNING would never move again.
  const named = isTaskState(state) ? stateName(parseTaskState(state)) : describeValue(state);
  return {
    state: TaskState.FAILED,
    message: `machine finished with output state ${named}: expected SUCCESS, FAILED or SKIPPED`,
  };
}

/** The public {@link MachineStatus} of a live snapshot. */
export function statusOf(
  machine: AnyStateMachine,
  snapshot: { value: unknown; status: string },
): MachineStatus {
  return {
    machineId: machine.id,
    value: JSON.stringify(snapshot.value) ?? '',
    active: activePaths(snapshot.value),
    status: snapshot.status,
  };
}

/**
 * The status of a machine task without a live actor: not started yet (`pending`), or the last
 * persisted snapshot (an active one whose actor an operator stopped reads `stopped`).
 */
export function restingStatus(machine: AnyStateMachine, persisted: unknown): MachineStatus {
  const p = persisted as { value?: unknown; status?: unknown } | undefined;
  if (!p || typeof p !== 'object' || typeof p.status !== 'string')
    return { machineId: machine.id, value: '', active: [], status: 'pending' };
  return statusOf(machine, { value: p.value, status: p.status === 'active' ? 'stopped' : p.status });
}

const charts = new WeakMap<AnyStateMachine, unknown>();

/**
 * The chart of a machine for a view to draw: `machine.toJSON()` (state nodes, transitions, tags,
 * meta), made once per machine: every task of one machine shares it.
 *
 * @example
 * machineChart(nodeMachine); // { id: 'node-maintenance', states: { cordon: {…}, … } }
 */
export function machineChart(machine: AnyStateMachine): unknown {
  let chart = charts.get(machine);
  if (chart === undefined) {
    chart = JSON.parse(JSON.stringify(machine.toJSON()));
    charts.set(machine, chart);
  }
  return chart;
}

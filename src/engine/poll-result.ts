import { RnrError } from '../errors.js';
import { isTaskState, parseTaskState, TaskState } from './task-state.js';

/** A poll result, normalized: the state to move to (if any) and the message (if any). */
export interface NormalizedResult {
  state: TaskState | undefined;
  message: string | undefined;
}

const NO_CHANGE: NormalizedResult = { state: undefined, message: undefined };
const SUCCESS: NormalizedResult = { state: TaskState.SUCCESS, message: undefined };

/**
 * Reads what a poll returned (DESIGN §3): `undefined`/`false` → no change, `true` → SUCCESS, a
 * TaskState or its name → that state, `{ state?, message? }` → both. Anything else throws
 * `RNR_ERR_POLL_RESULT`, which the engine treats as a poll error.
 */
export function normalizePollResult(result: unknown): NormalizedResult {
  if (result === undefined || result === false || result === null) return NO_CHANGE;
  if (result === true) return SUCCESS;
  if (typeof result === 'number' || typeof result === 'string') {
    if (isTaskState(result)) return { state: parseTaskState(result), message: undefined };
    throw bad(result);
  }
  if (typeof result === 'object' && !Array.isArray(result)) {
    const { state, message, ...rest } = result as { state?: unknown; message?: unknown };
    if (Object.keys(rest).length > 0 && state === undefined && message === undefined) throw bad(result);
    if (state !== undefined && !isTaskState(state)) throw bad(result);
    if (message !== undefined && typeof message !== 'string') throw bad(result);
    return { state: state === undefined ? undefined : parseTaskState(state), message };
  }
  throw bad(result);
}

function bad(result: unknown): RnrError {
  let shown: string;
  try {
    shown = JSON.stringify(result) ?? String(result);
  } catch {
    shown = String(result);
  }
  if (shown.length > 120) shown = `${shown.slice(0, 117)}...`;
  return new RnrError(
    'RNR_ERR_POLL_RESULT',
    `poll returned ${shown}: expected undefined, a boolean, a TaskState (or its name) or { state?, message? }`,
  );
}

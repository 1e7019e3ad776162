import { describeError, describeValue, RnrError } from '../errors.js';
import { capMessage, MAX_MESSAGE_CHARS } from './message-cap.js';
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
 * TaskState or its name → that state, `{ state?, message? }` → both; a message longer than
 * {@link MAX_MESSAGE_CHARS} is truncated with a marker. Anything else throws `RNR_ERR_POLL_RESULT`,
 * which the engine treats as a poll error; so does a result that throws as it is read (a Proxy, a
 * throwing getter), with what it threw.
 */
export function normalizePollResult(result: unknown): NormalizedResult {
  if (result === undefined || result === false || result === null) return NO_CHANGE;
  if (result === true) return SUCCESS;
  if (typeof result === 'number' || typeof result === 'string') {
    if (isTaskState(result)) return { state: parseTaskState(result), message: undefined };
    throw bad(result);
  }
  if (typeof result !== 'object') throw bad(result);
  let state: unknown;
  let message: unknown;
  let others: boolean;
  try {
    if (Array.isArray(result)) throw bad(result);
    ({ state, message } = result as { state?: unknown; message?: unknown });
    others = state === undefined && message === undefined && Object.keys(result).some(isOther);
  } catch (err) {
    if (err instanceof RnrError) throw err;
    throw new RnrError(
      'RNR_ERR_POLL_RESULT',
      `poll returned an object that cannot be read: ${describeError(err, 1024)}`,
      { cause: err },
    );
  }
  if (others) throw bad(result);
  if (state !== undefined && !isTaskState(state)) throw bad(result);
  if (message !== undefined && typeof message !== 'string') throw bad(result);
  return {
    state: state === undefined ? undefined : parseTaskState(state),
    message: message === undefined ? undefined : capMessage(message),
  };
}

const isOther = (key: string) => key !== 'state' && key !== 'message';

function bad(result: unknown): RnrError {
  return new RnrError(
    'RNR_ERR_POLL_RESULT',
    `poll returned ${describeValue(result)}: expected undefined, a boolean, a TaskState (or its name) or { state?, message? }`,
  );
}

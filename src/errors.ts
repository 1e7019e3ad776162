import { capMessage, MAX_MESSAGE_CHARS } from './engine/message-cap.js';

/**
 * Every error rnr raises is an {@link RnrError} with a stable `code`. Codes are never reused or
 * renamed; the server maps them to HTTP statuses, the CLI to exit codes, and docs/errors.md lists
 * each one (a test checks).
 */

/** The table of error codes: HTTP status and a one-line description for the docs. */
export const errorCodes = {
  RNR_ERR_INVALID_OPTION: {
    status: 400,
    description: 'An option passed to a task builder, workflow(), createJob or createServer is invalid.',
  },
  RNR_ERR_DUPLICATE_TASK_ID: { status: 400, description: 'Two tasks in one job have the same id.' },
  RNR_ERR_INVALID_MACHINE: {
    status: 400,
    description: 'machineTask was given something that is not an XState machine, or an input it rejects.',
  },
  RNR_ERR_JOB_NOT_FOUND: { status: 404, description: 'No job with that id is registered.' },
  RNR_ERR_TASK_NOT_FOUND: { status: 404, description: 'The job has no task with that id.' },
  RNR_ERR_JOB_EXISTS: { status: 409, description: 'A job with that id is already registered.' },
  RNR_ERR_INVALID_STATE: {
    status: 400,
    description: 'A state is not one of the TaskState names or numbers.',
  },
  RNR_ERR_INVALID_PARALLELISM: { status: 400, description: 'Parallelism must be an integer of at least 1.' },
  RNR_ERR_NOT_NESTED: {
    status: 409,
    description: 'The action needs a nested task (for example setParallelism on a leaf).',
  },
  RNR_ERR_NOT_MACHINE: {
    status: 409,
    description: 'The action needs a machine task (for example the statechart of a callback task).',
  },
  RNR_ERR_NOT_ACTION_PENDING: {
    status: 409,
    description: 'Approve was called on a task that is not ACTION_PENDING.',
  },
  RNR_ERR_POLL_TIMEOUT: {
    status: 500,
    description: 'A poll ran longer than its pollTimeoutMs (shown in the task message).',
  },
  RNR_ERR_POLL_RESULT: {
    status: 500,
    description:
      'A poll returned something that is not a poll result, or that throws as it is read (shown in the task message).',
  },
  RNR_ERR_CHILDREN: {
    status: 500,
    description:
      "A nested task's children function threw or returned something that is not a list of task specs.",
  },
  RNR_ERR_JOB_CLOSED: { status: 409, description: 'The job was closed; it accepts no more actions.' },
  RNR_ERR_BAD_REQUEST: {
    status: 400,
    description: 'A request body, parameter or query string failed validation.',
  },
  RNR_ERR_MALFORMED_BODY: { status: 400, description: 'A request body is not valid JSON or protobuf.' },
  RNR_ERR_BAD_URL: {
    status: 400,
    description: 'The request path is not valid percent-encoding (e.g. `%ZZ`).',
  },
  RNR_ERR_URL_TOO_LONG: {
    status: 414,
    description: 'A path segment (a job or task id) is longer than 2048 characters.',
  },
  RNR_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request headers are larger than the server accepts.',
  },
  RNR_ERR_REQUEST_TIMEOUT: { status: 408, description: 'The request was not received in time.' },
  RNR_ERR_UI_NOT_BUILT: {
    status: 503,
    description: 'The web view is not built (npm run build:ui); the API works meanwhile.',
  },
  RNR_ERR_BODY_TOO_LARGE: { status: 413, description: 'A request body exceeds the size limit.' },
  RNR_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'A request body has a Content-Type the API does not accept.',
  },
  RNR_ERR_NOT_ACCEPTABLE: {
    status: 406,
    description: 'The Accept header asks for a format the API cannot produce.',
  },
  RNR_ERR_UNAUTHORIZED: {
    status: 401,
    description: 'A token is required and none, or a wrong one, was given.',
  },
  RNR_ERR_FORBIDDEN: {
    status: 403,
    description:
      'Refused whoever the caller is: a viewer token on an operator action, a request from a page of another origin (Origin, Sec-Fetch-Site), or, without a token, a Host that is not a loopback name.',
  },
  RNR_ERR_TOO_MANY_SOCKETS: {
    status: 429,
    description:
      'Too many event sockets are open, with this token or on the server (the close reason of code 4029).',
  },
  RNR_ERR_ROUTE_NOT_FOUND: { status: 404, description: 'No API route matches the method and path.' },
  RNR_ERR_INSECURE_LISTEN: {
    status: 500,
    description: 'The server was asked to listen beyond loopback without a token.',
  },
  RNR_ERR_INTERNAL: {
    status: 500,
    description: 'An unexpected internal error; the message says what failed.',
  },
  RNR_ERR_STORE_NOT_RNR: { status: 500, description: 'The state file exists but is not an rnr store.' },
  RNR_ERR_STORE_SCHEMA_NEWER: {
    status: 500,
    description: 'The state file was written by a newer rnr (schema version too new).',
  },
  RNR_ERR_STORE_CORRUPT: { status: 500, description: 'The state file is corrupt.' },
  RNR_ERR_STORE_IO: {
    status: 500,
    description: 'The state file cannot be read or written (permissions, full disk).',
  },
  RNR_ERR_STORE_CLOSED: { status: 500, description: 'The store was closed.' },
  RNR_ERR_STORE_UNAVAILABLE: {
    status: 503,
    description:
      "The store's database server cannot be reached, refused the login, or lost the connection (a commit that fails so has an unknown outcome: the job reloads from the store once it answers).",
  },
  RNR_ERR_JOB_LOCKED: { status: 409, description: "Another process owns the job's state in this store." },
  RNR_ERR_LEASE_LOST: {
    status: 409,
    description:
      'Another process owns the run now (it took it over): this process stopped the run, and its commit changed nothing.',
  },
  RNR_ERR_CONFLICT: {
    status: 409,
    description:
      "The request conflicts with the runs as they are: a new run would exceed its workflow's concurrency (the message names the unfinished runs in the way), an idempotency key was reused with another input, a start where only one run is served (rnr run), input that differs from the unfinished run's, or a cancel of a run that has ended.",
  },
  RNR_ERR_COMMAND_PENDING: {
    status: 202,
    description:
      'An operator action was recorded as a command for a run that lives in another process (or in none just now), and no owner applied it in time: it will be applied once, in order, when an owner takes the run. Do not resend it (an Idempotency-Key makes a resend harmless). The HTTP and WebSocket APIs answer this as 202 { pending: true, command }, not as an error.',
  },
  RNR_ERR_WORKFLOW_NOT_FOUND: { status: 400, description: 'The workflow file does not exist.' },
  RNR_ERR_WORKFLOW_LOAD: {
    status: 400,
    description: 'The workflow file failed to load (syntax error or exception on import).',
  },
  RNR_ERR_WORKFLOW_INVALID: {
    status: 400,
    description: 'The workflow module does not export a Job or a function returning one.',
  },
  RNR_ERR_SERVER_UNREACHABLE: { status: 503, description: 'The CLI could not reach the rnr server.' },
  RNR_ERR_PORT_IN_USE: {
    status: 500,
    description: 'The port the server should listen on is already in use.',
  },
  RNR_ERR_USAGE: { status: 400, description: 'A command-line argument or flag is missing or invalid.' },
  RNR_ERR_INVALID_INPUT: {
    status: 400,
    description:
      "A run's input failed the workflow's validation (each issue listed with its path), or is not a JSON object; nothing was started.",
  },
  RNR_ERR_WORKFLOW_UNKNOWN: { status: 404, description: 'No workflow with that name is hosted here.' },
  RNR_ERR_DUPLICATE_WORKFLOW: {
    status: 400,
    description: 'Two workflows hosted by one process have the same name.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** A stable error code, e.g. `RNR_ERR_TASK_NOT_FOUND`. */
export type RnrErrorCode = keyof typeof errorCodes;

/**
 * The error type of rnr: a stable `code`, the HTTP `status` that code maps to, and an optional `cause`.
 *
 * @example
 * try { job.skip('nope'); } catch (err) { if (err instanceof RnrError) console.log(err.code); }
 */
export class RnrError extends Error {
  readonly code: RnrErrorCode;
  readonly status: number;
  /** `RNR_ERR_INVALID_INPUT`: each problem of the input, with where it is. */
  readonly issues?: readonly InputIssue[];

  constructor(
    code: RnrErrorCode,
    message: string,
    options?: { cause?: unknown; issues?: readonly InputIssue[] },
  ) {
    super(message, options);
    this.name = 'RnrError';
    this.code = code;
    this.status = errorCodes[code].status;
    if (options?.issues !== undefined) this.issues = options.issues;
  }

  /** The `{ code, message, issues? }` body of the wire `Error` message. */
  toJSON(): { code: RnrErrorCode; message: string; issues?: InputIssue[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues !== undefined && { issues: this.issues.map((issue) => ({ ...issue })) }),
    };
  }
}

/**
 * One problem of a run's input: `path` where it is (`version`, `nodes[2].name`; `''` for the input
 * as a whole) and the validator's `message`.
 */
export interface InputIssue {
  path: string;
  message: string;
}

/** True when `err` is an {@link RnrError}, optionally with the given code. */
export function isRnrError(err: unknown, code?: RnrErrorCode): err is RnrError {
  return err instanceof RnrError && (code === undefined || err.code === code);
}

/**
 * A short description of any thrown value, for task messages and logs: an Error's message (or its
 * name), a string as it is (`(an empty string)` for ''), anything else as {@link describeValue} shows it; at most `max`
 * characters (longer text is cut with a `… [truncated N chars]` marker). It never throws: a value
 * that throws as it is read (a Proxy whose traps throw, a throwing `message` getter or
 * `Symbol.toPrimitive`, a revoked proxy) is described as unreadable, with what reading it threw.
 *
 * @example
 * describeError(new Error('disk full')); // 'disk full'
 * describeError(new Proxy({}, { get() { throw new Error('trap'); } })); // 'an object that cannot be read (reading it threw: trap)'
 */
export function describeError(err: unknown, max = MAX_MESSAGE_CHARS): string {
  let text: string;
  try {
    text = errorText(err, max);
  } catch (inner) {
    text = unreadable(err, inner);
  }
  return capMessage(text, max);
}

/**
 * A short, JSON-like rendering of any value for an error message that names a bad value: strings
 * quoted, `10n`, `Symbol(x)`, `a function`, objects as JSON (or `String(value)` when they are not
 * JSON: circular, BigInt inside); at most `max` characters. Like {@link describeError}, it never
 * throws.
 *
 * @example
 * describeValue({ state: 'NOPE' }); // '{"state":"NOPE"}'
 */
export function describeValue(value: unknown, max = 120): string {
  let text: string;
  try {
    if (typeof value === 'string' && value.length > max) {
      // Quote only what can be shown: a 100 MB string is not copied to show 120 characters of it.
      return capMessage(JSON.stringify(value.slice(0, max)), max, value.length + 2);
    }
    text = valueText(value);
  } catch (inner) {
    text = unreadable(value, inner);
  }
  return capMessage(text, max);
}

function errorText(err: unknown, max: number): string {
  // An empty message would leave a FAILED task with nothing to say.
  if (typeof err === 'string') return err === '' ? '(an empty string)' : err;
  if (err instanceof Error) {
    const message: unknown = err.message;
    if (typeof message === 'string' && message !== '') return message;
    if (message !== undefined && message !== '') return describeValue(message, max);
    const name: unknown = err.name;
    return typeof name === 'string' && name !== '' ? name : 'Error';
  }
  return valueText(err);
}

function valueText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      try {
        const json = JSON.stringify(value);
        if (json !== undefined) return json;
      } catch {
        // Not JSON (circular, a BigInt inside, a throwing toJSON): fall back to its string form.
      }
      return String(value);
    default:
      return String(value);
  }
}

/** The description of a value that threw as it was read; reads nothing of it but its type. */
function unreadable(value: unknown, inner: unknown): string {
  let kind = typeof value === 'function' ? 'a function' : `a ${typeof value}`;
  if (typeof value === 'object' && value !== null) {
    try {
      kind = value instanceof Error ? 'an error' : 'an object';
    } catch {
      kind = 'an object';
    }
  }
  let why: string;
  try {
    const message: unknown = inner instanceof Error ? inner.message : inner;
    why = typeof message === 'string' && message !== '' ? message : `a ${typeof inner}`;
  } catch {
    why = `an unreadable ${typeof inner}`;
  }
  return `${kind} that cannot be read (reading it threw: ${capMessage(why, 200)})`;
}

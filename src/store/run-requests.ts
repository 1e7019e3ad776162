import { RunTrigger } from '../engine/messages.js';
import type {
  CreateRunRequest,
  JsonObject,
  RunQuery,
  RunRecord,
  RunStateFilter,
  StateCounts,
} from '../engine/store.js';
import { isDone, TaskState, taskStateNames, taskStates } from '../engine/task-state.js';
import { describeValue, RnrError } from '../errors.js';

// What every store does alike with runs: checking a createRun request, reading a listRuns query
// (filters, limit, the opaque page token) and comparing inputs for idempotency keys. A store of
// another kind (PostgreSQL) uses the same helpers, so all stores answer the same way.

/** Runs per page when a query does not say. */
export const DEFAULT_RUN_LIMIT = 100;
/** The most runs one page holds. */
export const MAX_RUN_LIMIT = 1000;

/** A createRun request with every default applied. */
export interface CheckedRunRequest {
  workflow: string;
  name: string;
  input: JsonObject;
  trigger: RunTrigger;
  startedBy: string;
  labels: Record<string, string>;
  concurrency: number | undefined;
  idempotencyKey: string | undefined;
  createdAt: number;
}

function bad(what: string, value: unknown, expected: string): never {
  throw new RnrError(
    'RNR_ERR_INVALID_OPTION',
    `createRun ${what}: got ${describeValue(value)}, expected ${expected}`,
  );
}

/** True for a plain JSON-style object (not an array, a Date, a class instance). */
function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function stringMap(what: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== 'string'))
    bad(what, value, 'an object of strings');
  return { ...(value as Record<string, string>) };
}

/** A run id part: non-empty, without whitespace or '/' (ids travel in URL paths and file names). */
export function checkRunName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\s/]/.test(value) || value.length > 200)
    bad(what, value, 'a non-empty string without spaces or "/" (at most 200 characters)');
  return value;
}

/** Checks a createRun request and fills in its defaults; throws `RNR_ERR_INVALID_OPTION`. */
export function checkRunRequest(request: CreateRunRequest, now: number): CheckedRunRequest {
  if (!isPlainObject(request)) bad('request', request, 'an object');
  const workflow = checkRunName('workflow', request.workflow);
  const { name = workflow, trigger = RunTrigger.TRIGGER_UNSPECIFIED, startedBy = '' } = request;
  if (typeof name !== 'string' || name.trim() === '') bad('name', name, 'a non-empty string');
  let input: JsonObject = {};
  if (request.input !== undefined) {
    if (!isPlainObject(request.input)) bad('input', request.input, 'a JSON object');
    try {
      input = JSON.parse(JSON.stringify(request.input)) as JsonObject;
    } catch (err) {
      bad('input', request.input, `a JSON object (${(err as Error).message})`);
    }
  }
  if (!Object.values(RunTrigger).includes(trigger)) bad('trigger', trigger, 'a RunTrigger');
  if (typeof startedBy !== 'string') bad('startedBy', startedBy, 'a string');
  const { concurrency, idempotencyKey, createdAt = now } = request;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    bad('concurrency', concurrency, 'an integer of at least 1');
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 255)
  )
    bad('idempotencyKey', idempotencyKey, 'a non-empty string of at most 255 characters');
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt))
    bad('createdAt', createdAt, 'a time in ms');
  return {
    workflow,
    name,
    input,
    trigger,
    startedBy,
    labels: stringMap('labels', request.labels),
    concurrency,
    idempotencyKey,
    createdAt,
  };
}

/** Every state at zero: the counts of a run nothing ran of yet. */
export function zeroCounts(): StateCounts {
  const counts = {} as StateCounts;
  for (const name of taskStateNames) counts[name] = 0;
  return counts;
}

/** The record of a new run (nothing committed yet). */
export function newRunRecord(request: CheckedRunRequest, run: number, id: string): RunRecord {
  return {
    id,
    name: request.name,
    createdAt: request.createdAt,
    seq: 0,
    workflow: request.workflow,
    run,
    input: request.input,
    trigger: request.trigger,
    startedBy: request.startedBy,
    state: TaskState.PENDING,
    counts: zeroCounts(),
    total: 0,
    labels: request.labels,
  };
}

/** JSON with object keys sorted: equal inputs give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The refusal of an idempotency key that named a run of another input. */
export function keyReused(key: string, run: RunRecord): RnrError {
  return new RnrError(
    'RNR_ERR_CONFLICT',
    `idempotency key ${JSON.stringify(key)} was used for run ${run.id} with another input; use a new key for a new run`,
  );
}

/** The refusal of a run beyond its workflow's concurrency, naming the runs in the way. */
export function overConcurrency(
  workflow: string,
  concurrency: number,
  blocking: readonly string[],
): RnrError {
  const shown =
    blocking.slice(0, 10).join(', ') + (blocking.length > 10 ? `, +${blocking.length - 10} more` : '');
  return new RnrError(
    'RNR_ERR_CONFLICT',
    `workflow ${JSON.stringify(workflow)} allows ${concurrency} unfinished run${concurrency === 1 ? '' : 's'} at a time; in the way: ${shown}`,
  );
}

/** A listRuns query, read: the states it admits (undefined: all), the page size, where to start. */
export interface CheckedRunQuery {
  workflow: string | undefined;
  states: ReadonlySet<TaskState> | undefined;
  limit: number;
  /** Only runs older than this position (from the page token); undefined: from the newest. */
  before: number | undefined;
}

const ACTIVE = taskStates.filter((s) => !isDone(s));
const DONE = taskStates.filter((s) => isDone(s));

/** The root states a filter admits. */
function statesOf(filter: RunStateFilter): readonly TaskState[] {
  if (filter === 'ACTIVE') return ACTIVE;
  if (filter === 'DONE') return DONE;
  if (typeof filter === 'string' && taskStateNames.includes(filter)) return [TaskState[filter]];
  throw new RnrError(
    'RNR_ERR_INVALID_STATE',
    `invalid run state filter ${describeValue(filter)}: expected ACTIVE, DONE or one of ${taskStateNames.join(', ')}`,
  );
}

/** Reads a listRuns query; throws `RNR_ERR_INVALID_STATE` or `RNR_ERR_BAD_REQUEST` naming the bad part. */
export function checkRunQuery(query: RunQuery = {}): CheckedRunQuery {
  let states: Set<TaskState> | undefined;
  if (query.states !== undefined && query.states.length > 0) {
    states = new Set();
    for (const filter of query.states) for (const s of statesOf(filter)) states.add(s);
    if (states.size === taskStates.length) states = undefined;
  }
  const raw = Math.floor(Number(query.limit ?? DEFAULT_RUN_LIMIT));
  const limit = Number.isNaN(raw) ? DEFAULT_RUN_LIMIT : Math.min(MAX_RUN_LIMIT, Math.max(1, raw));
  const workflow = query.workflow === undefined || query.workflow === '' ? undefined : String(query.workflow);
  return { workflow, states, limit, before: readPageToken(query.pageToken) };
}

/** The page token that continues after the run at `position` (a store's creation order). */
export function pageToken(position: number): string {
  return Buffer.from(`r${position}`).toString('base64url');
}

function readPageToken(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  const text = typeof token === 'string' ? Buffer.from(token, 'base64url').toString() : '';
  const position = /^r(\d{1,15})$/.exec(text)?.[1];
  if (position === undefined)
    throw new RnrError(
      'RNR_ERR_BAD_REQUEST',
      `invalid pageToken ${describeValue(token)}: pass the nextPageToken of a page`,
    );
  return Number(position);
}

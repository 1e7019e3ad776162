import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeError, describeValue, type InputIssue, RnrError } from '../errors.js';
import type { Workflow } from './workflow.js';

/** A run's input: a JSON object (`google.protobuf.Struct` on the wire). */
export type RunInput = Record<string, unknown>;

/** Most issues one refusal lists (a validator may report thousands for a huge input). */
const MAX_ISSUES = 50;

/**
 * A path as an issue shows it: `version`, `nodes[2].name`, `labels["a b"]`; `''` for the whole.
 *
 * @example
 * issuePath(['nodes', 2, 'name']); // 'nodes[2].name'
 */
export function issuePath(
  path: ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment> | undefined,
): string {
  let text = '';
  for (const segment of path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${key.toString()}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** The error of a refused input: `RNR_ERR_INVALID_INPUT` listing every issue, with `issues` set. */
export function invalidInput(workflowName: string, issues: readonly InputIssue[]): RnrError {
  const shown = issues.slice(0, MAX_ISSUES);
  const list = shown.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  return new RnrError(
    'RNR_ERR_INVALID_INPUT',
    `invalid input for workflow ${workflowName}: ${list.join('; ')}${more}`,
    { issues: shown },
  );
}

/**
 * Where `value` is not plain JSON (a function, a Date, NaN, a cycle…), the issue saying so; else
 * undefined. Runs keep their input as JSON, in the store and on the wire.
 */
export function jsonIssue(
  value: unknown,
  path: (string | number)[] = [],
  seen = new Set<object>(),
): InputIssue | undefined {
  const at = issuePath(path);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: at, message: `${value} is not a JSON number` };
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return { path: at, message: 'a circular reference is not JSON' };
      const proto = Object.getPrototypeOf(value);
      const plain = Array.isArray(value) || proto === Object.prototype || proto === null;
      if (!plain)
        return {
          path: at,
          message: `${describeKind(value)} is not JSON: use strings, numbers, booleans, arrays and plain objects`,
        };
      seen.add(value);
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((item, i) => [i, item])
        : Object.entries(value);
      for (const [key, item] of entries) {
        const issue = jsonIssue(item, [...path, key], seen);
        if (issue) return issue;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return { path: at, message: `${describeKind(value)} is not JSON` };
  }
}

function describeKind(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `a BigInt (${value}n)`;
  if (typeof value === 'object' && value !== null) {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor
      ?.name;
    return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
  }
  return `a ${typeof value}`;
}

/** A deep copy of a JSON value (checked by {@link jsonIssue} first), with own keys only. */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a key named "__proto__" stays a key of the input.
      Object.defineProperty(copy, key, {
        value: copyJson(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

function checkObject(workflowName: string, value: unknown, what: string): RunInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(workflowName, [
      { path: '', message: `${what} must be a JSON object, got ${describeValue(value, 80)}` },
    ]);
  }
  const issue = jsonIssue(value);
  if (issue) throw invalidInput(workflowName, [issue]);
  return copyJson(value) as RunInput;
}

function readIssues(result: unknown): readonly StandardSchemaV1.Issue[] | undefined {
  if (typeof result !== 'object' || result === null) {
    throw new Error(`its validate() returned ${describeValue(result, 80)}, not { value } or { issues }`);
  }
  const { issues } = result as { issues?: unknown };
  if (issues === undefined || issues === null || issues === false) return undefined;
  if (!Array.isArray(issues)) throw new Error(`its validate() returned issues that are not an array`);
  return issues as StandardSchemaV1.Issue[];
}

/**
 * Validates a run's input against the workflow's validator (sync or async) and returns the input
 * the run keeps: the validator's output (defaults filled in, values coerced), or the input itself
 * when the workflow has no validator; `undefined` is `{}`. Refuses with `RNR_ERR_INVALID_INPUT`
 * listing every issue (path and message) when the input fails, when it or the validator's output
 * is not a JSON object, or when the validator itself throws. Nothing about a run is decided here:
 * a refused input starts nothing.
 *
 * @example
 * const input = await validateInput(upgrade, { version: '1.6.0' });
 */
export async function validateInput<T>(wf: Workflow<T>, raw: unknown): Promise<RunInput> {
  const given = raw === undefined ? {} : raw;
  if (!wf.input) return checkObject(wf.name, given, 'the input');
  let result: unknown;
  try {
    result = await wf.input['~standard'].validate(given);
  } catch (err) {
    throw invalidInput(wf.name, [
      { path: '', message: `the input validator threw: ${describeError(err, 500)}` },
    ]);
  }
  let issues: readonly StandardSchemaV1.Issue[] | undefined;
  try {
    issues = readIssues(result);
  } catch (err) {
    throw invalidInput(wf.name, [
      { path: '', message: `the input validator is broken: ${describeError(err, 300)}` },
    ]);
  }
  if (issues) {
    const list = issues.map((issue) => ({
      path: issuePath(issue?.path),
      message: typeof issue?.message === 'string' && issue.message !== '' ? issue.message : 'invalid',
    }));
    throw invalidInput(wf.name, list.length > 0 ? list : [{ path: '', message: 'invalid' }]);
  }
  return checkObject(wf.name, (result as { value: unknown }).value, "the validator's output");
}

const schemas = new WeakMap<object, { schema: Record<string, unknown> | undefined }>();

/**
 * The JSON Schema of a workflow's input (draft 2020-12), where its validator offers Standard JSON
 * Schema (`'~standard'.jsonSchema.input`: zod ≥ 4.2, arktype); `undefined` otherwise, or when the
 * conversion throws (a schema with transforms JSON Schema cannot express). Computed once.
 */
export function inputJsonSchema<T>(wf: Workflow<T>): Record<string, unknown> | undefined {
  const validator = wf.input;
  if (!validator) return undefined;
  const known = schemas.get(validator);
  if (known) return known.schema;
  let schema: Record<string, unknown> | undefined;
  try {
    const converter = (validator['~standard'] as { jsonSchema?: { input?: unknown } }).jsonSchema;
    if (typeof converter?.input === 'function') {
      const made: unknown = converter.input({ target: 'draft-2020-12' });
      if (typeof made === 'object' && made !== null && !Array.isArray(made) && !jsonIssue(made))
        schema = made as Record<string, unknown>;
    }
  } catch {
    schema = undefined;
  }
  schemas.set(validator, { schema });
  return schema;
}

/** True when two inputs are the same JSON (key order aside). */
export function sameInput(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (key) =>
      Object.hasOwn(b as object, key) &&
      sameInput((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

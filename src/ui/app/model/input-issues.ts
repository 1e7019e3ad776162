/**
 * The server's `RNR_ERR_INVALID_INPUT` issues (path + message, one per problem the workflow's
 * validator found), placed next to the field each one names; what names no field goes to the top.
 */
import type { FormIssues } from './form-values.js';
import { allFields, type Field, type FieldPath, type InputForm } from './schema-form.js';

/** One problem with the input, as the validator reported it. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The issues of an error body's `error` object (`issues`, or `details.issues`). A path may come as
 * a list of keys (Standard Schema: names, indexes or `{ key }`), a JSON pointer (`/a/0`) or a
 * dotted path (`a.b[0]`).
 */
export function readIssues(error: unknown): InputIssue[] {
  if (typeof error !== 'object' || error === null) return [];
  const e = error as { issues?: unknown; details?: { issues?: unknown } };
  const list = Array.isArray(e.issues) ? e.issues : Array.isArray(e.details?.issues) ? e.details.issues : [];
  const out: InputIssue[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { path, message } = item as { path?: unknown; message?: unknown };
    out.push({ path: readPath(path), message: typeof message === 'string' ? message : 'invalid' });
  }
  return out;
}

function readPath(path: unknown): (string | number)[] {
  if (Array.isArray(path)) {
    return path.map((p) =>
      typeof p === 'object' && p !== null && 'key' in p ? segment((p as { key: unknown }).key) : segment(p),
    );
  }
  if (typeof path !== 'string' || path === '' || path === '$' || path === '/') return [];
  if (path.startsWith('/')) {
    return path
      .slice(1)
      .split('/')
      .map((p) => segment(p.replace(/~1/g, '/').replace(/~0/g, '~')));
  }
  const parts: (string | number)[] = [];
  for (const m of path.replace(/^\$\.?/, '').matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  }
  return parts;
}

function segment(p: unknown): string | number {
  if (typeof p === 'number') return p;
  const s = String(p);
  return /^(0|[1-9]\d*)$/.test(s) ? Number(s) : s;
}

/** An issue's path for people: `target.version`, `hosts[2]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/**
 * Places the issues by field: each goes to the deepest field whose path starts its path (the rest
 * of the path leads its message: `item 3: …`, `zzz: …`); the others, and every issue when the
 * input is edited as JSON, go to the top with their path.
 */
export function placeIssues(form: InputForm, issues: readonly InputIssue[], asJson: boolean): FormIssues {
  const placed: FormIssues = { byField: new Map(), general: [] };
  const fields = asJson ? [] : allFields(form.fields);
  for (const issue of issues) {
    const field = deepest(fields, issue.path);
    if (!field) {
      const where = formatPath(issue.path);
      placed.general.push(where ? `${where}: ${issue.message}` : issue.message);
      continue;
    }
    const rest = issue.path.slice(field.path.length);
    let message = issue.message;
    if (rest.length > 0) {
      const first = rest[0];
      message =
        field.kind === 'list' && typeof first === 'number'
          ? `item ${first + 1}${rest.length > 1 ? ` (${formatPath(rest.slice(1))})` : ''}: ${message}`
          : `${formatPath(rest)}: ${message}`;
    }
    const list = placed.byField.get(field.key);
    if (list) list.push(message);
    else placed.byField.set(field.key, [message]);
  }
  return placed;
}

function deepest(fields: readonly Field[], path: FieldPath): Field | undefined {
  let best: Field | undefined;
  for (const f of fields) {
    if (f.path.length > path.length || (best && best.path.length >= f.path.length)) continue;
    if (f.path.every((p, i) => String(path[i]) === p)) best = f;
  }
  return best;
}

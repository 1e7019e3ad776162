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
 * The issues of an error body's `error` object (`issues`, or `details.issues`). A path comes as
 * rnr writes it (`version`, `nodes[2].name`, `labels["a b"]`), or leniently as a list of keys
 * (Standard Schema: names, indexes or `{ key }`) or a JSON pointer (`/nodes/2`).
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
  if (typeof path !== 'string' || path === '' || path === '/') return [];
  if (path.startsWith('/')) {
    return path
      .slice(1)
      .split('/')
      .map((p) => segment(p.replace(/~1/g, '/').replace(/~0/g, '~')));
  }
  return parsePath(path);
}

/** Reads `a.b[2]["c d"]`: names, `[n]` indexes and `["…"]` keys written as JSON strings. */
function parsePath(text: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
    } else if (c === '[' && text[i + 1] === '"') {
      let j = i + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      try {
        parts.push(JSON.parse(text.slice(i + 1, j + 1)) as string);
      } catch {
        parts.push(text.slice(i + 2, j));
      }
      i = text.indexOf(']', j) < 0 ? text.length : text.indexOf(']', j) + 1;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      const inner = text.slice(i + 1, end < 0 ? text.length : end);
      parts.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end < 0 ? text.length : end + 1;
    } else {
      let j = i;
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
      parts.push(text.slice(i, j));
      i = j;
    }
  }
  return parts;
}

function segment(p: unknown): string | number {
  if (typeof p === 'number') return p;
  const s = String(p);
  return /^(0|[1-9]\d*)$/.test(s) ? Number(s) : s;
}

/** An issue's path for people, as rnr writes it: `target.version`, `hosts[2]`, `labels["a b"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
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

/**
 * The start form's values and the input they make: the second half of the form's pure model.
 *
 * Values keep what the operator typed (a number field holds its text until it is read), so an
 * unfinished entry is never lost or rewritten. {@link inputFromValues} builds the input object and
 * runs the checks that are cheap in a browser (required, numbers, bounds, lengths, patterns,
 * formats, item counts, JSON syntax); the server validates everything again.
 */
import {
  allFields,
  type Field,
  type GroupField,
  type InputForm,
  type ItemField,
  type ListField,
} from './schema-form.js';

/**
 * A field's value: text for text, number and raw JSON fields; a boolean for checkboxes (undefined:
 * not set); the chosen option's index as text for choices ('' for none); a list of those for
 * lists; for an optional group, whether it is included.
 */
export type FieldValue = string | boolean | undefined | readonly string[];

/** The values of a form, by field key. */
export type FormValues = ReadonlyMap<string, FieldValue>;

/** Problems found, by field key, and those that belong to no field. */
export interface FormIssues {
  byField: Map<string, string[]>;
  general: string[];
}

/** The input a form's values make, with what the checks found (empty when it may be sent). */
export interface BuiltInput {
  /** undefined: no input at all (an empty JSON editor). */
  input: unknown;
  issues: FormIssues;
}

/** True when a boolean field is drawn as a checkbox (it always has a value) rather than a select. */
export function isCheckbox(field: Field): boolean {
  return field.kind === 'boolean' && (field.required || typeof field.defaultValue === 'boolean');
}

/** True when an optional group can be left out (its legend has an "include" checkbox). */
export function isOptionalGroup(field: Field): field is GroupField {
  return field.kind === 'group' && !field.required;
}

/** The values a form starts with: the schema's defaults. */
export function initialValues(form: InputForm): Map<string, FieldValue> {
  const values = new Map<string, FieldValue>();
  for (const f of allFields(form.fields)) {
    if (f.kind === 'group') {
      if (!f.required) values.set(f.key, f.defaultValue !== undefined && f.defaultValue !== null);
      if (isPlainObject(f.defaultValue)) fill(f.fields, f.defaultValue, values, [], f.path);
      continue;
    }
    if (values.has(f.key)) continue; // set by its group's default
    const v = f.defaultValue === undefined ? undefined : display(f, f.defaultValue);
    values.set(f.key, v ?? empty(f));
  }
  return values;
}

/**
 * The values that show `input` (switching from the JSON editor back to the form). `leftovers`
 * names what the form cannot show (unknown properties, values of the wrong type): then the input
 * stays in the JSON editor.
 */
export function valuesFromInput(
  form: InputForm,
  input: unknown,
): { values: Map<string, FieldValue>; leftovers: string[] } {
  const values = new Map<string, FieldValue>();
  for (const f of allFields(form.fields)) {
    values.set(f.key, f.kind === 'group' ? (f.required ? undefined : false) : empty(f));
  }
  const leftovers: string[] = [];
  if (input === undefined) return { values, leftovers };
  if (!isPlainObject(input)) return { values, leftovers: ['the input is not an object'] };
  fill(form.fields, input, values, leftovers, []);
  return { values, leftovers };
}

/** Builds the input from the values and checks it; fields left empty are left out. */
export function inputFromValues(form: InputForm, values: FormValues): BuiltInput {
  const issues: FormIssues = { byField: new Map(), general: [] };
  const input = buildObject(form.fields, values, issues);
  return { input, issues };
}

/** Parses the JSON editor's text: '' is no input. */
export function parseJsonInput(form: InputForm, text: string): BuiltInput {
  const issues: FormIssues = { byField: new Map(), general: [] };
  if (text.trim() === '') return { input: undefined, issues };
  try {
    const input: unknown = JSON.parse(text);
    if (form.mode === 'fields' && !isPlainObject(input))
      issues.general.push('The input must be a JSON object.');
    return { input, issues };
  } catch (err) {
    issues.general.push(`Not valid JSON: ${(err as Error).message}`);
    return { input: undefined, issues };
  }
}

/** True when the checks found nothing. */
export function hasIssues(issues: FormIssues): boolean {
  return issues.general.length > 0 || issues.byField.size > 0;
}

/** Sets an own property, whatever its name (`__proto__` included), on an object the form builds. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function empty(f: Field): FieldValue {
  if (f.kind === 'list') return [];
  if (f.kind === 'boolean') return isCheckbox(f) ? false : undefined;
  return '';
}

/** How `value` shows in field `f`; undefined when it cannot. */
function display(f: Field, value: unknown): FieldValue {
  switch (f.kind) {
    case 'text':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'choice': {
      const json = JSON.stringify(value);
      const i = f.options.findIndex((o) => JSON.stringify(o.value) === json);
      return i < 0 ? undefined : String(i);
    }
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const item = f.item;
      const items = value.map((v) =>
        item.kind === 'boolean' ? (typeof v === 'boolean' ? String(v) : undefined) : display(item, v),
      );
      return items.every((v): v is string => typeof v === 'string') ? items : undefined;
    }
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'group':
      return undefined;
  }
}

/** Fills the values of `fields` from the object `source`, naming what does not fit. */
function fill(
  fields: readonly Field[],
  source: Record<string, unknown>,
  values: Map<string, FieldValue>,
  leftovers: string[],
  prefix: readonly string[],
): void {
  const known = new Set<string>();
  for (const f of fields) {
    const name = f.path.at(-1)!;
    known.add(name);
    if (!Object.hasOwn(source, name)) continue;
    const v = source[name];
    if (f.kind === 'group') {
      if (isPlainObject(v)) {
        if (!f.required) values.set(f.key, true);
        fill(f.fields, v, values, leftovers, f.path);
      } else if (!(v === null && f.nullable)) leftovers.push(`${f.name} (not an object)`);
      continue;
    }
    if (v === null && f.nullable) continue;
    const shown = display(f, v);
    if (shown === undefined) leftovers.push(`${f.name} (${JSON.stringify(v)})`);
    else values.set(f.key, shown);
  }
  for (const name of Object.keys(source)) {
    if (!known.has(name)) leftovers.push(`${[...prefix, name].join('.')} (not in the form)`);
  }
}

function say(issues: FormIssues, f: Field, message: string): void {
  const list = issues.byField.get(f.key);
  if (list) list.push(message);
  else issues.byField.set(f.key, [message]);
}

function buildObject(
  fields: readonly Field[],
  values: FormValues,
  issues: FormIssues,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const name = f.path.at(-1)!;
    if (f.kind === 'group') {
      if (!f.required && values.get(f.key) !== true) continue;
      setOwn(out, name, buildObject(f.fields, values, issues));
      continue;
    }
    const v = readField(f, values.get(f.key), issues);
    if (v !== undefined) setOwn(out, name, v);
    else if (issues.byField.has(f.key))
      continue; // wrong rather than missing: said already
    else if (f.required && f.nullable) setOwn(out, name, null);
    else if (f.required) say(issues, f, 'required');
  }
  return out;
}

/** The field's value as JSON (undefined: left empty), saying what is wrong with it. */
function readField(f: Exclude<Field, GroupField>, raw: FieldValue, issues: FormIssues): unknown {
  if (f.kind === 'list') return readList(f, raw, issues);
  if (f.kind === 'json') {
    if (typeof raw !== 'string' || raw.trim() === '') return undefined;
    try {
      return JSON.parse(raw);
    } catch (err) {
      say(issues, f, `not valid JSON: ${(err as Error).message}`);
      return undefined;
    }
  }
  const problems: string[] = [];
  const v = readScalar(f, raw, problems);
  for (const p of problems) say(issues, f, p);
  return problems.length > 0 ? undefined : v;
}

function readList(f: ListField, raw: FieldValue, issues: FormIssues): unknown[] | undefined {
  const texts = Array.isArray(raw) ? raw : [];
  const items: unknown[] = [];
  texts.forEach((text, i) => {
    if (f.item.kind !== 'choice' && f.item.kind !== 'boolean' && text.trim() === '') return;
    const problems: string[] = [];
    const v = readScalar(f.item, f.item.kind === 'boolean' ? text === 'true' : text, problems);
    for (const p of problems) say(issues, f, `item ${i + 1}: ${p}`);
    if (v !== undefined) items.push(v);
  });
  if (items.length === 0 && !f.required) return undefined;
  if (f.minItems !== undefined && items.length < f.minItems) {
    say(issues, f, `at least ${f.minItems} item${f.minItems === 1 ? '' : 's'}`);
  }
  if (f.maxItems !== undefined && items.length > f.maxItems) say(issues, f, `at most ${f.maxItems} items`);
  if (f.unique && new Set(items.map((v) => JSON.stringify(v))).size < items.length) {
    say(issues, f, 'an item is repeated');
  }
  return items;
}

/** Reads one text, number, boolean or choice; pushes what is wrong with it. */
function readScalar(f: ItemField, raw: FieldValue, problems: string[]): unknown {
  switch (f.kind) {
    case 'boolean':
      return typeof raw === 'boolean' ? raw : undefined;
    case 'choice': {
      if (typeof raw !== 'string' || raw === '') return undefined;
      const option = f.options[Number(raw)];
      return option ? option.value : undefined;
    }
    case 'number': {
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (text === '') return undefined;
      const n = Number(text);
      if (!Number.isFinite(n)) {
        problems.push('not a number');
        return undefined;
      }
      if (f.integer && !Number.isInteger(n)) problems.push('must be a whole number');
      if (f.min !== undefined && n < f.min) problems.push(`must be at least ${f.min}`);
      if (f.max !== undefined && n > f.max) problems.push(`must be at most ${f.max}`);
      if (f.exclusiveMin !== undefined && n <= f.exclusiveMin)
        problems.push(`must be more than ${f.exclusiveMin}`);
      if (f.exclusiveMax !== undefined && n >= f.exclusiveMax)
        problems.push(`must be less than ${f.exclusiveMax}`);
      if (f.multipleOf !== undefined && !isMultiple(n, f.multipleOf)) {
        problems.push(`must be a multiple of ${f.multipleOf}`);
      }
      return n;
    }
    case 'text': {
      const text = typeof raw === 'string' ? raw : '';
      if (text === '') return undefined;
      const length = [...text].length;
      if (f.minLength !== undefined && length < f.minLength) {
        problems.push(`at least ${f.minLength} character${f.minLength === 1 ? '' : 's'}`);
      }
      if (f.maxLength !== undefined && length > f.maxLength)
        problems.push(`at most ${f.maxLength} characters`);
      // A format says what is wrong in words; the pattern a library writes beside it (zod does) would
      // only repeat it as a regular expression.
      const format = f.format && formatChecks.get(f.format);
      if (format && (!format.test(text) || (f.pattern !== undefined && !matches(f.pattern, text)))) {
        problems.push(format.message);
      } else if (f.pattern !== undefined && !matches(f.pattern, text))
        problems.push(`does not match ${f.pattern}`);
      return text;
    }
  }
}

function isMultiple(n: number, of: number): boolean {
  const q = n / of;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

/** Tests a schema pattern (ECMA-262, unanchored); a pattern the browser cannot compile passes. */
function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    try {
      return new RegExp(pattern).test(text);
    } catch {
      return true;
    }
  }
}

/** The formats checked in the browser (loosely: the server has the last word). */
const formatChecks = new Map<string, { test(text: string): boolean; message: string }>([
  ['email', { test: (t) => /^[^\s@]+@[^\s@]+$/.test(t), message: 'not an email address' }],
  ['uri', { test: isUrl, message: 'not a URL (scheme://…)' }],
  ['url', { test: isUrl, message: 'not a URL (scheme://…)' }],
  [
    'date',
    {
      test: (t) => /^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(Date.parse(t)),
      message: 'not a date (YYYY-MM-DD)',
    },
  ],
  [
    'date-time',
    {
      test: (t) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(t),
      message: 'not a date-time with a zone (2025-01-31T09:00:00Z)',
    },
  ],
  ['uuid', { test: (t) => /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(t), message: 'not a UUID' }],
  [
    'ipv4',
    {
      test: (t) => /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(t),
      message: 'not an IPv4 address',
    },
  ],
]);

function isUrl(text: string): boolean {
  try {
    return new URL(text).protocol.length > 1;
  } catch {
    return false;
  }
}

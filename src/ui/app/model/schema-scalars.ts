/**
 * The leaves of the start form: string, number, boolean and choice fields from their JSON Schema
 * (with formats, bounds and the constraints in words), and the schema helpers they share with
 * schema-form.ts.
 */
import type { FieldBase, NumberField, TextField } from './form-fields.js';

/** A JSON Schema object, read keyword by keyword. */
export type SchemaObject = { readonly [keyword: string]: unknown };

/** True for a schema object (not a boolean schema, not an array). */
export function isSchema(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema's `type` keyword as a list (absent: empty). */
export function types(s: SchemaObject): string[] {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  return [];
}

/** A finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A bound worth showing (zod writes ±MAX_SAFE_INTEGER on every int). */
function shown(v: number | undefined): v is number {
  return v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER;
}

/** The options of an `enum`, a `const`, or a union of consts; undefined otherwise. */
export function choices(s: SchemaObject): { value: unknown; label: string }[] | undefined {
  let values: unknown[] | undefined;
  if (Array.isArray(s.enum)) values = s.enum;
  else if (Object.hasOwn(s, 'const')) values = [s.const];
  else {
    const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
    if (union && union.length > 0 && union.every((b) => isSchema(b) && Object.hasOwn(b, 'const'))) {
      values = union.map((b) => (b as SchemaObject).const);
    }
  }
  if (!values || values.length === 0) return undefined;
  return values.map((value) => ({ value, label: typeof value === 'string' ? value : JSON.stringify(value) }));
}

/** HTML input types for the formats a browser has a control for; other formats are checked as text. */
const inputTypes = new Map<string, TextField['inputType']>([
  ['email', 'email'],
  ['idn-email', 'email'],
  ['uri', 'url'],
  ['url', 'url'],
  ['date', 'date'],
]);

/** Formats written as an example of the expected text. */
const formatExamples = new Map<string, string>([
  ['date-time', '2025-01-31T09:00:00Z'],
  ['time', '09:00:00'],
  ['duration', 'P1DT2H'],
  ['ipv4', '10.0.0.1'],
  ['ipv6', 'fd00::1'],
  ['uuid', '123e4567-e89b-12d3-a456-426614174000'],
]);

export function textField(s: SchemaObject, base: FieldBase): TextField {
  const format = typeof s.format === 'string' ? s.format : undefined;
  const minLength = num(s.minLength);
  const maxLength = num(s.maxLength);
  const pattern = typeof s.pattern === 'string' ? s.pattern : undefined;
  const hints = [...base.hints];
  if (format) hints.push(format);
  if (minLength && maxLength !== undefined) hints.push(`${minLength} – ${maxLength} characters`);
  else if (minLength) hints.push(`at least ${minLength} character${minLength === 1 ? '' : 's'}`);
  else if (maxLength !== undefined) hints.push(`at most ${maxLength} characters`);
  // A pattern a format implies (zod writes both) says nothing more to a person.
  if (pattern && !format) hints.push(`matches ${pattern}`);
  const field: TextField = {
    ...base,
    hints,
    kind: 'text',
    inputType: (format && inputTypes.get(format)) || 'text',
    multiline: maxLength === undefined ? false : maxLength > 200,
  };
  if (format) field.format = format;
  if (minLength !== undefined) field.minLength = minLength;
  if (maxLength !== undefined) field.maxLength = maxLength;
  if (pattern) field.pattern = pattern;
  if (field.example === undefined && format) {
    const example = formatExamples.get(format);
    if (example) field.example = example;
  }
  return field;
}

export function numberField(s: SchemaObject, base: FieldBase, integer: boolean): NumberField {
  const field: NumberField = { ...base, hints: [...base.hints], kind: 'number', integer };
  const min = num(s.minimum);
  const max = num(s.maximum);
  // draft 2020-12 writes exclusive bounds as numbers, draft-04 as booleans beside minimum/maximum.
  const exMin = s.exclusiveMinimum === true ? min : num(s.exclusiveMinimum);
  const exMax = s.exclusiveMaximum === true ? max : num(s.exclusiveMaximum);
  if (exMin !== undefined) field.exclusiveMin = exMin;
  else if (min !== undefined) field.min = min;
  if (exMax !== undefined) field.exclusiveMax = exMax;
  else if (max !== undefined) field.max = max;
  const multipleOf = num(s.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) field.multipleOf = multipleOf;
  const lo = shown(field.min) ? `${field.min} ≤` : shown(field.exclusiveMin) ? `${field.exclusiveMin} <` : '';
  const hi = shown(field.max) ? `≤ ${field.max}` : shown(field.exclusiveMax) ? `< ${field.exclusiveMax}` : '';
  const what = integer ? 'integer' : 'number';
  if (lo && hi && field.min !== undefined && field.max !== undefined) {
    field.hints.push(`${what}, ${field.min} – ${field.max}`);
  } else if (lo || hi) field.hints.push(`${lo} ${what} ${hi}`.trim());
  else if (integer) field.hints.push('integer');
  if (field.multipleOf !== undefined) field.hints.push(`multiple of ${field.multipleOf}`);
  return field;
}

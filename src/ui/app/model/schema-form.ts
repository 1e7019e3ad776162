/**
 * A workflow's input JSON Schema as form fields: the first half of the start form's pure model
 * (schema → field descriptors; form-values.ts turns what the operator typed into the input).
 *
 * Drawn as fields: strings (with formats), numbers and integers (with bounds), booleans, enums and
 * consts (a select), arrays of those (a list, or checkboxes for enum items), and objects with
 * properties (a fieldset, nested up to {@link MAX_DEPTH}). Anything else — unions of objects,
 * tuples, maps, arrays of objects, schemas that accept anything — becomes a raw JSON field, and a
 * root that is not an object makes the whole input a JSON editor. Local `$ref`s are followed.
 */

/** A JSON Schema (draft 2020-12 or draft-07), as the API lists a workflow's input. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** Where a value lives in the input: property names from the root (and item indexes in issues). */
export type FieldPath = readonly (string | number)[];

/** What every field has. */
export interface FieldBase {
  /** The field's identity: its path as JSON. Keys the form's values and the issues shown by field. */
  key: string;
  path: readonly string[];
  /** The path for people and for the input's `name`: `target.version`. */
  name: string;
  /** The schema's `title`, else the property name. */
  label: string;
  /** The schema's `description`: shown as help text. */
  help?: string;
  /** Constraints in words (`1 – 10`, `email`, `at most 3 items`), shown after the help. */
  hints: string[];
  required: boolean;
  /** `null` is allowed: a required nullable field left empty sends null. */
  nullable: boolean;
  /** The schema's `default`, as JSON. */
  defaultValue?: unknown;
  /** The first of the schema's `examples`: the input's placeholder. */
  example?: string;
}

/** A string: one line (or several, for long text), with the HTML input type its format suggests. */
export interface TextField extends FieldBase {
  kind: 'text';
  inputType: 'text' | 'email' | 'url' | 'date';
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  multiline: boolean;
}

/** A number or an integer, with its bounds. */
export interface NumberField extends FieldBase {
  kind: 'number';
  integer: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
  multipleOf?: number;
}

/** A boolean: a checkbox, or a three-way select when it may be left unset. */
export interface BooleanField extends FieldBase {
  kind: 'boolean';
}

/** One of a fixed set of values (`enum`, `const`, a union of consts): a select. */
export interface ChoiceField extends FieldBase {
  kind: 'choice';
  options: readonly { value: unknown; label: string }[];
}

/** The fields a list's items can be. */
export type ItemField = TextField | NumberField | BooleanField | ChoiceField;

/** An array of primitives: a list of inputs (or checkboxes, for enum items). */
export interface ListField extends FieldBase {
  kind: 'list';
  item: ItemField;
  minItems?: number;
  maxItems?: number;
  unique: boolean;
}

/** An object with properties: a fieldset of its own fields. */
export interface GroupField extends FieldBase {
  kind: 'group';
  fields: readonly Field[];
  /** Properties beyond `fields` are allowed (`additionalProperties` is not false). */
  open: boolean;
}

/** What the form cannot draw: edited as raw JSON. */
export interface JsonField extends FieldBase {
  kind: 'json';
  /** The part of the schema the value must match, shown to help write it. */
  schema: JsonSchema;
}

/** A field of the start form. */
export type Field = TextField | NumberField | BooleanField | ChoiceField | ListField | GroupField | JsonField;

/** The start form of one workflow. */
export interface InputForm {
  /** `fields`: the input is an object drawn as fields; `json`: the whole input is edited as JSON. */
  mode: 'fields' | 'json';
  fields: readonly Field[];
  /** Properties beyond the fields are allowed at the top level. */
  open: boolean;
  /** The workflow declared no schema: the input is optional JSON. */
  schemaless: boolean;
  /** The root schema (for the JSON editor's help). */
  schema?: JsonSchema;
}

/** Objects nested deeper than this are edited as JSON. */
export const MAX_DEPTH = 4;

/** `$ref` hops followed before a schema is treated as JSON (recursive schemas). */
const MAX_REFS = 8;

type SchemaObject = { readonly [keyword: string]: unknown };

/** The annotations collected while unwrapping `$ref`, `allOf` of one, and nullable unions. */
interface Resolved {
  schema: SchemaObject;
  nullable: boolean;
  title?: string;
  description?: string;
  default?: unknown;
  hasDefault: boolean;
  examples?: unknown;
  deprecated: boolean;
  /** The `$ref`s followed to get here. */
  refs: string[];
}

/** Builds the start form of a workflow from its input schema (absent: an optional JSON input). */
export function formFromSchema(schema: unknown): InputForm {
  if (schema === undefined || schema === null)
    return { mode: 'json', fields: [], open: true, schemaless: true };
  if (!isSchema(schema)) return { mode: 'json', fields: [], open: true, schemaless: false };
  const ctx = new Context(schema);
  const root = ctx.resolve(schema);
  if (root && !root.nullable && isObjectSchema(root.schema)) {
    return {
      mode: 'fields',
      fields: ctx.objectFields(root.schema, [], 0, new Set(['#', ...root.refs])),
      open: root.schema.additionalProperties !== false,
      schemaless: false,
      schema,
    };
  }
  return { mode: 'json', fields: [], open: true, schemaless: false, schema };
}

/** The key of a path (see {@link FieldBase.key}). */
export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

/** Every field of the form, groups and their fields included, depth first. */
export function allFields(fields: readonly Field[]): Field[] {
  const out: Field[] = [];
  const walk = (list: readonly Field[]) => {
    for (const f of list) {
      out.push(f);
      if (f.kind === 'group') walk(f.fields);
    }
  };
  walk(fields);
  return out;
}

function isSchema(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectSchema(s: SchemaObject): boolean {
  return (s.type === 'object' || (s.type === undefined && isSchema(s.properties))) && isSchema(s.properties);
}

/** The schema's `type` keyword as a list (absent: empty). */
function types(s: SchemaObject): string[] {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  return [];
}

function isNullSchema(s: unknown): boolean {
  return isSchema(s) && (s.type === 'null' || (s.const === null && Object.keys(s).length <= 2));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A bound worth showing (zod writes ±MAX_SAFE_INTEGER on every int). */
function shown(v: number | undefined): v is number {
  return v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER;
}

/** Reads a JSON pointer (`#/$defs/x`) in the root schema; undefined when it leads nowhere. */
function pointer(root: SchemaObject, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let at: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(at) || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

class Context {
  constructor(readonly root: SchemaObject) {}

  /** Follows `$ref`, single `allOf` and `T | null` unions, collecting annotations (outer wins). */
  resolve(schema: unknown): Resolved | undefined {
    const r: Resolved = { schema: {}, nullable: false, hasDefault: false, deprecated: false, refs: [] };
    let s: unknown = schema;
    for (let hops = 0; hops <= MAX_REFS; hops++) {
      if (!isSchema(s)) return undefined;
      r.title ??= typeof s.title === 'string' ? s.title : undefined;
      r.description ??= typeof s.description === 'string' ? s.description : undefined;
      if (!r.hasDefault && Object.hasOwn(s, 'default')) {
        r.default = s.default;
        r.hasDefault = true;
      }
      r.examples ??= Array.isArray(s.examples) ? s.examples[0] : undefined;
      if (s.deprecated === true) r.deprecated = true;
      if (typeof s.$ref === 'string') {
        r.refs.push(s.$ref);
        s = pointer(this.root, s.$ref);
        continue;
      }
      const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
      if (union?.some(isNullSchema)) {
        const rest = union.filter((b) => !isNullSchema(b));
        if (rest.length === 1) {
          r.nullable = true;
          s = rest[0];
          continue;
        }
      }
      if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.type && !s.properties) {
        s = s.allOf[0];
        continue;
      }
      const t = types(s);
      if (t.length === 2 && t.includes('null')) {
        r.nullable = true;
        r.schema = { ...s, type: t.find((x) => x !== 'null') };
        return r;
      }
      r.schema = s;
      return r;
    }
    return undefined;
  }

  /** The fields of an object's properties; `refs`: the `$ref`s the enclosing objects came from. */
  objectFields(s: SchemaObject, path: readonly string[], depth: number, refs: ReadonlySet<string>): Field[] {
    const required = new Set(
      Array.isArray(s.required) ? s.required.filter((x) => typeof x === 'string') : [],
    );
    const fields: Field[] = [];
    for (const [name, sub] of Object.entries(s.properties as SchemaObject)) {
      fields.push(this.field(sub, [...path, name], required.has(name), depth, refs));
    }
    return fields;
  }

  field(
    schema: unknown,
    path: readonly string[],
    required: boolean,
    depth: number,
    refs: ReadonlySet<string>,
  ): Field {
    const r = this.resolve(schema);
    const base: FieldBase = {
      key: pathKey(path),
      path,
      name: path.join('.'),
      label: r?.title ?? path.at(-1) ?? 'input',
      required,
      nullable: r?.nullable ?? false,
      hints: r?.deprecated ? ['deprecated'] : [],
    };
    if (r?.description) base.help = r.description;
    if (r?.hasDefault) base.defaultValue = r.default;
    if (r?.examples !== undefined) {
      base.example = typeof r.examples === 'string' ? r.examples : JSON.stringify(r.examples);
    }
    if (!r) return { ...base, kind: 'json', schema: isSchema(schema) ? schema : true };
    const s = r.schema;
    const scalar = this.scalar(s, base);
    if (scalar) return scalar;
    const t = types(s);
    if (t.length === 1 && t[0] === 'array' && !Array.isArray(s.prefixItems) && !Array.isArray(s.items)) {
      const item = this.resolve(s.items);
      const itemField = item && !item.nullable ? this.scalar(item.schema, { ...base, hints: [] }) : undefined;
      if (itemField) return this.list(s, base, itemField);
    }
    // A recursive schema (a tree of objects) is edited as JSON where it recurses.
    const recursive = r.refs.some((ref) => refs.has(ref));
    if (isObjectSchema(s) && depth + 1 < MAX_DEPTH && !recursive) {
      return {
        ...base,
        kind: 'group',
        fields: this.objectFields(s, path, depth + 1, new Set([...refs, ...r.refs])),
        open: s.additionalProperties !== false,
      };
    }
    return { ...base, kind: 'json', schema: s };
  }

  /** A string, number, boolean or choice field; undefined for anything else. */
  scalar(s: SchemaObject, base: FieldBase): ItemField | undefined {
    const choice = choices(s);
    if (choice) return { ...base, kind: 'choice', options: choice };
    const t = types(s);
    if (t.length !== 1) return undefined;
    switch (t[0]) {
      case 'string':
        return textField(s, base);
      case 'number':
      case 'integer':
        return numberField(s, base, t[0] === 'integer');
      case 'boolean':
        return { ...base, kind: 'boolean' };
      default:
        return undefined;
    }
  }

  list(s: SchemaObject, base: FieldBase, item: ItemField): ListField {
    const minItems = num(s.minItems);
    const maxItems = num(s.maxItems);
    const hints = [...base.hints];
    if (minItems !== undefined && maxItems !== undefined) hints.push(`${minItems} – ${maxItems} items`);
    else if (minItems) hints.push(`at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    else if (maxItems !== undefined) hints.push(`at most ${maxItems} item${maxItems === 1 ? '' : 's'}`);
    if (s.uniqueItems === true) hints.push('no repeats');
    hints.push(...item.hints.map((h) => `each: ${h}`));
    return { ...base, hints, kind: 'list', item, minItems, maxItems, unique: s.uniqueItems === true };
  }
}

/** The options of an `enum`, a `const`, or a union of consts; undefined otherwise. */
function choices(s: SchemaObject): { value: unknown; label: string }[] | undefined {
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

function textField(s: SchemaObject, base: FieldBase): TextField {
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

function numberField(s: SchemaObject, base: FieldBase, integer: boolean): NumberField {
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

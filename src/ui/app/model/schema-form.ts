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
import type { Field, FieldBase, FieldPath, InputForm, ItemField, ListField } from './form-fields.js';
import {
  choices,
  isSchema,
  num,
  numberField,
  type SchemaObject,
  textField,
  types,
} from './schema-scalars.js';

export type {
  BooleanField,
  ChoiceField,
  Field,
  FieldBase,
  FieldPath,
  GroupField,
  InputForm,
  ItemField,
  JsonField,
  JsonSchema,
  ListField,
  NumberField,
  TextField,
} from './form-fields.js';

/** Objects nested deeper than this are edited as JSON. */
export const MAX_DEPTH = 4;

/** `$ref` hops followed before a schema is treated as JSON (recursive schemas). */
const MAX_REFS = 8;

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

function isObjectSchema(s: SchemaObject): boolean {
  return (s.type === 'object' || (s.type === undefined && isSchema(s.properties))) && isSchema(s.properties);
}

function isNullSchema(s: unknown): boolean {
  return isSchema(s) && (s.type === 'null' || (s.const === null && Object.keys(s).length <= 2));
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

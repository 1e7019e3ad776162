/**
 * The start form's field descriptors: what schema-form.ts makes of a workflow's input JSON Schema
 * and what form-values.ts and the form's components read.
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

import { RnrError } from '../errors.js';

// `--input key=value` and `--input-json JSON`: a run's input from the command line. Engine-free,
// so the client verbs (`rnr start`) stay light; the JSON Schema comes from the workflow where rnr
// has it (`rnr run`, `rnr serve --start`) or from `GET /workflows` (`rnr start`).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

/** The JSON types a schema allows; empty when it says nothing about them. */
type Types = Set<string>;

const usage = (message: string) => new RnrError('RNR_ERR_USAGE', message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) of the root schema, once per name. */
function deref(schema: unknown, root: Schema, seen = new Set<string>()): Schema | undefined {
  if (!isObject(schema)) return undefined;
  const ref = own(schema, '$ref');
  if (typeof ref !== 'string' || !ref.startsWith('#/') || seen.has(ref)) return schema;
  seen.add(ref);
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? own(target, key) : undefined;
  }
  return deref(target, root, seen);
}

/** The alternatives of a schema: itself, or the members of its anyOf / oneOf. */
function alternatives(schema: Schema | undefined, root: Schema): Schema[] {
  if (!schema) return [];
  const union = own(schema, 'anyOf') ?? own(schema, 'oneOf');
  if (Array.isArray(union)) return union.flatMap((s) => alternatives(deref(s, root), root));
  const all = own(schema, 'allOf');
  if (Array.isArray(all)) return [schema, ...all.flatMap((s) => alternatives(deref(s, root), root))];
  return [schema];
}

function typesOf(schema: Schema | undefined, root: Schema): Types {
  const types: Types = new Set();
  for (const alt of alternatives(schema, root)) {
    const type = own(alt, 'type');
    if (typeof type === 'string') types.add(type);
    else if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') types.add(t);
    const values = own(alt, 'enum') ?? (Object.hasOwn(alt, 'const') ? [own(alt, 'const')] : undefined);
    if (Array.isArray(values))
      for (const v of values)
        types.add(
          v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v,
        );
    if (isObject(own(alt, 'properties'))) types.add('object');
  }
  return types;
}

/** The schema of `key` inside an object schema (its properties, else additionalProperties). */
function child(schema: Schema | undefined, key: string, root: Schema): Schema | undefined {
  for (const alt of alternatives(schema, root)) {
    const props = own(alt, 'properties');
    if (isObject(props) && Object.hasOwn(props, key)) return deref(props[key], root);
  }
  for (const alt of alternatives(schema, root)) {
    const extra = own(alt, 'additionalProperties');
    if (isObject(extra)) return deref(extra, root);
  }
  return undefined;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function parseJson(text: string): { ok: true; value: Json } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch {
    return { ok: false };
  }
}

/**
 * Converts one `--input` value by what the schema says of its key: a string where a string is
 * expected (`version=1.10` stays `"1.10"`), a number, a boolean, JSON for arrays and objects; with
 * no schema (or nothing known of the key), JSON when it parses (`n=3` → 3) and the text otherwise.
 */
export function convertValue(key: string, text: string, schema: Schema | undefined, root: Schema): Json {
  const types = typesOf(schema, root);
  if (types.size === 0) {
    const parsed = parseJson(text);
    return parsed.ok ? parsed.value : text;
  }
  if (types.has('string') && types.size === 1) return text;
  const parsed = parseJson(text);
  if (parsed.ok) {
    const value = parsed.value;
    const kind = jsonKind(value);
    if (types.has(kind)) return value;
    if (kind === 'number' && types.has('integer') && Number.isInteger(value)) return value;
  }
  if (types.has('string')) return text;
  throw usage(
    `--input ${key}=${text}: expected ${[...types].join(' or ')} (from the workflow's input schema)${parsed.ok ? '' : `; ${JSON.stringify(text)} is not JSON`}`,
  );
}

function setPath(target: Record<string, Json>, path: string[], value: Json, given: string): void {
  let node = target;
  for (const [i, part] of path.entries()) {
    const last = i === path.length - 1;
    if (last) {
      Object.defineProperty(node, part, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    const next = Object.hasOwn(node, part) ? node[part] : undefined;
    if (!isObject(next)) {
      const made: Record<string, Json> = {};
      Object.defineProperty(node, part, {
        value: made,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      node = made;
    } else node = next as Record<string, Json>;
  }
  throw usage(`--input ${given}: empty key`);
}

/** Parses `--input-json`: a JSON object, or a usage error saying what it is instead. */
export function parseInputJson(text: string): Record<string, Json> {
  const parsed = parseJson(text);
  if (!parsed.ok) throw usage(`--input-json is not valid JSON: ${preview(text)}`);
  if (!isObject(parsed.value)) {
    throw usage(
      `--input-json must be a JSON object ({ "key": value, … }), got ${jsonKind(parsed.value)} ${preview(text)}`,
    );
  }
  return parsed.value as Record<string, Json>;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** What `--input`/`--input-json` gave on the command line, before any schema is known. */
export interface InputFlags {
  /** The `--input key=value` flags, in order. */
  pairs?: readonly string[];
  /** The `--input-json` flag. */
  inputJson?: string;
}

/** True when any input flag was given. */
export function hasInput(flags: InputFlags): boolean {
  return (flags.pairs?.length ?? 0) > 0 || flags.inputJson !== undefined;
}

/**
 * The input the flags describe: `--input-json` first, then each `--input key=value` set over it
 * (dotted keys nest: `a.b=1` → `{ a: { b: 1 } }`), values converted by the input's JSON Schema
 * where it is known. Throws `RNR_ERR_USAGE` (exit 2) naming the bad flag: no `=`, an empty key
 * segment, a key given twice or both as a value and an object, a value of the wrong type, JSON
 * that does not parse.
 *
 * @example
 * parseInputFlags({ pairs: ['version=1.6.0', 'batch.size=4'] }); // { version: '1.6.0', batch: { size: 4 } }
 */
export function parseInputFlags(flags: InputFlags, schema?: Record<string, unknown>): Record<string, Json> {
  const input: Record<string, Json> = flags.inputJson === undefined ? {} : parseInputJson(flags.inputJson);
  const root = isObject(schema) ? schema : {};
  const given = new Map<string, string>();
  for (const pair of flags.pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw usage(`--input ${pair}: expected key=value (e.g. --input version=1.6.0)`);
    const key = pair.slice(0, eq).trim();
    const path = key.split('.');
    if (path.some((part) => part === '')) throw usage(`--input ${pair}: "${key}" has an empty key segment`);
    if (given.has(key)) throw usage(`--input ${key} is given twice (${given.get(key)} and ${pair})`);
    for (const other of given.keys()) {
      if (other.startsWith(`${key}.`) || key.startsWith(`${other}.`))
        throw usage(
          `--input ${given.get(other)} and --input ${pair}: ${key.length < other.length ? key : other} cannot be both a value and an object`,
        );
    }
    given.set(key, pair);
    let node: Schema | undefined = isObject(schema) ? root : undefined;
    for (const part of path) node = node && child(node, part, root);
    setPath(input, path, convertValue(key, pair.slice(eq + 1), node, root), pair);
  }
  return input;
}

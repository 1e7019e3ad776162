/**
 * `google.protobuf.Struct` in binary protobuf: a run's input and a workflow's input schema are
 * plain JSON objects in TypeScript and in the proto3 JSON mapping, and Struct messages
 * (`{ fields: { key: Value } }`) in the binary form. No runtime imports (shared by the server,
 * the CLI and the web view).
 */

/** A `google.protobuf.Value` as protobufjs reads and writes it. */
export interface StructValue {
  nullValue?: number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  listValue?: { values?: StructValue[] };
}

/** A `google.protobuf.Struct` as protobufjs reads and writes it. */
export interface StructMessage {
  fields?: Record<string, StructValue>;
}

function toValue(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 0 };
  switch (typeof value) {
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object':
      return Array.isArray(value)
        ? { listValue: { values: value.map(toValue) } }
        : { structValue: toStruct(value as Record<string, unknown>) };
    default:
      return { nullValue: 0 };
  }
}

/**
 * A JSON object as a Struct message.
 *
 * @example
 * toStruct({ version: '1.6.0' }); // { fields: { version: { stringValue: '1.6.0' } } }
 */
export function toStruct(object: Record<string, unknown>): StructMessage {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) {
    Object.defineProperty(fields, key, { value: toValue(value), enumerable: true, writable: true });
  }
  return { fields };
}

function fromValue(value: StructValue | undefined): unknown {
  if (!value) return null;
  if (value.structValue) return fromStruct(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(fromValue);
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.numberValue === 'number') return value.numberValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  return null;
}

/** A Struct message (as decoded) as a JSON object; an absent one is `{}`. */
export function fromStruct(struct: StructMessage | null | undefined): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const fields = struct?.fields ?? {};
  for (const key of Object.keys(fields)) {
    Object.defineProperty(object, key, {
      value: fromValue(fields[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

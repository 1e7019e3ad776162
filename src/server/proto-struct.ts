// google.protobuf.Struct in rnr's binary messages: a run's input is a JSON object in TypeScript and
// in the proto3 JSON mapping, and a Struct (fields of Values) on the binary wire.

/** A `google.protobuf.Value` as protobufjs encodes it. */
type StructValue =
  | { nullValue: 0 }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: { fields: Record<string, StructValue> } }
  | { listValue: { values: StructValue[] } };

function toValue(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 0 };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

/** A JSON object as a `google.protobuf.Struct` message object. */
export function toStruct(object: Record<string, unknown>): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toValue(value);
  return { fields };
}

function fromValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return null;
  if ('numberValue' in value && value.numberValue !== undefined) return value.numberValue;
  if ('stringValue' in value && value.stringValue !== undefined) return value.stringValue;
  if ('boolValue' in value && value.boolValue !== undefined) return value.boolValue;
  if ('structValue' in value && value.structValue) return fromStruct(value.structValue);
  if ('listValue' in value && value.listValue) {
    const values = (value.listValue as { values?: Record<string, unknown>[] }).values ?? [];
    return values.map(fromValue);
  }
  return null;
}

/** A decoded `google.protobuf.Struct` as a JSON object. */
export function fromStruct(struct: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = (struct as { fields?: Record<string, Record<string, unknown>> } | null)?.fields ?? {};
  for (const [key, value] of Object.entries(fields)) out[key] = fromValue(value);
  return out;
}

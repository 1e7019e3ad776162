import { rnr } from '../generated/rnr.js';
import type { JobSnapshot, JobSummary, Task, TaskEvent } from '../index.js';
import { RnrError } from '../index.js';
import { fromStruct, toStruct } from './proto-struct.js';

/** The media type of binary protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';

/** The names of the `rnr.v1` messages the API sends or accepts. */
export type MessageName =
  | 'Task'
  | 'Job'
  | 'JobSummary'
  | 'JobList'
  | 'TaskEvent'
  | 'EventList'
  | 'SetStateRequest'
  | 'ActionRequest'
  | 'SetParallelismRequest'
  | 'SocketCommand'
  | 'ErrorResponse'
  | 'ActionResult';

interface MessageType {
  encode(message: never): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: never, options: Record<string, unknown>): Record<string, unknown>;
}

function messageType(name: MessageName): MessageType {
  return rnr.v1[name] as unknown as MessageType;
}

/**
 * Encodes a plain object (states as TaskState numbers) as the named `rnr.v1` message.
 *
 * @example
 * const bytes = encodeMessage('Job', job.snapshot());
 */
export function encodeMessage(name: MessageName, message: object): Uint8Array {
  return messageType(name)
    .encode(withStructs(name, message) as never)
    .finish();
}

/** A run's input (a JSON object) as the `google.protobuf.Struct` the binary messages carry. */
function withStructs(name: MessageName, message: object): object {
  const run = (m: object): object => {
    const input = (m as { input?: unknown }).input;
    return input && typeof input === 'object'
      ? { ...m, input: toStruct(input as Record<string, unknown>) }
      : m;
  };
  if (name === 'Job' || name === 'JobSummary') return run(message);
  if (name === 'JobList') return { jobs: (message as { jobs: object[] }).jobs.map(run) };
  return message;
}

/**
 * Decodes binary protobuf into a plain object with every field present, enums as numbers; throws
 * `RNR_ERR_MALFORMED_BODY` naming the message when the bytes are not one.
 */
export function decodeMessage(name: MessageName, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(name);
  try {
    const message = type.decode(bytes);
    return type.toObject(message as never, { longs: Number, defaults: true, arrays: true, objects: true });
  } catch (err) {
    throw new RnrError('RNR_ERR_MALFORMED_BODY', `malformed protobuf ${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Decodes a binary request body into its proto3 JSON form (enums by name, absent fields left out),
 * so that the same JSON schema validates both formats.
 */
export function decodeRequest(name: MessageName, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(name);
  try {
    return type.toObject(type.decode(bytes) as never, { longs: Number, enums: String, defaults: false });
  } catch (err) {
    throw new RnrError('RNR_ERR_MALFORMED_BODY', `malformed protobuf ${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function optionalFields(target: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of keys) {
    const value = target[key];
    if (value === null || value === undefined || value === 0) delete target[key];
  }
}

function normalizeTask(task: Record<string, unknown>): Task {
  optionalFields(task, ['approval', 'machine', 'startedAt', 'finishedAt']);
  const approval = task.approval as Record<string, unknown> | undefined;
  if (approval && approval.reason === '') delete approval.reason;
  for (const child of task.children as Record<string, unknown>[]) normalizeTask(child);
  return task as unknown as Task;
}

function normalizeRun(run: Record<string, unknown>): void {
  run.input = fromStruct(run.input);
  optionalFields(run, ['halted']);
  const halted = run.halted as Record<string, unknown> | undefined;
  if (halted) optionalFields(halted, ['retryAt']);
}

function normalizeSummary(summary: Record<string, unknown>): JobSummary {
  optionalFields(summary, ['startedAt', 'finishedAt']);
  normalizeRun(summary);
  return summary as unknown as JobSummary;
}

/** Decodes a binary `Task` into the engine's plain object. */
export function decodeTask(bytes: Uint8Array): Task {
  return normalizeTask(decodeMessage('Task', bytes));
}

/** Decodes a binary `Job` into the engine's plain snapshot. */
export function decodeJob(bytes: Uint8Array): JobSnapshot {
  const job = decodeMessage('Job', bytes);
  normalizeTask(job.root as Record<string, unknown>);
  normalizeRun(job);
  return job as unknown as JobSnapshot;
}

/** Decodes a binary `JobList` into job summaries. */
export function decodeJobList(bytes: Uint8Array): JobSummary[] {
  return (decodeMessage('JobList', bytes).jobs as Record<string, unknown>[]).map(normalizeSummary);
}

/** Decodes a binary `TaskEvent`. */
export function decodeEvent(bytes: Uint8Array): TaskEvent {
  return decodeMessage('TaskEvent', bytes) as unknown as TaskEvent;
}

/** Decodes a binary `EventList`. */
export function decodeEventList(bytes: Uint8Array): TaskEvent[] {
  return decodeMessage('EventList', bytes).events as TaskEvent[];
}

/** Decodes a binary `ErrorResponse` into `{ code, message }`. */
export function decodeError(bytes: Uint8Array): { code: string; message: string } {
  return decodeMessage('ErrorResponse', bytes).error as { code: string; message: string };
}

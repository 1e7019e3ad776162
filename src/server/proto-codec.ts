import { rnr } from '../generated/rnr.js';
import type { JobSnapshot, JobSummary, Task, TaskEvent } from '../index.js';
import { RnrError } from '../index.js';
import { fromStruct, type StructMessage, toStruct } from '../wire/struct.js';

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
  | 'ActionResult'
  | 'WorkflowList'
  | 'StartRunRequest'
  | 'CancelRequest'
  | 'Cluster'
  | 'CommandPending';

interface MessageType {
  encode(message: never): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: never, options: Record<string, unknown>): Record<string, unknown>;
}

function messageType(name: MessageName): MessageType {
  return rnr.v1[name] as unknown as MessageType;
}

type Plain = Record<string, unknown>;

/** A JSON object field as a Struct message (what protobufjs encodes). */
const structOf = (value: unknown): StructMessage | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? toStruct(value as Plain) : undefined;

function withStruct(message: Plain, field: string): Plain {
  return Object.hasOwn(message, field) ? { ...message, [field]: structOf(message[field]) } : message;
}

/** The fields that are JSON objects in TypeScript and Struct messages in protobuf, per message. */
function toWire(name: MessageName, message: Plain): Plain {
  switch (name) {
    case 'Job':
    case 'JobSummary':
    case 'StartRunRequest':
      return withStruct(message, 'input');
    case 'JobList':
      return {
        ...message,
        jobs: ((message.jobs as Plain[] | undefined) ?? []).map((j) => withStruct(j, 'input')),
      };
    case 'WorkflowList':
      return {
        ...message,
        workflows: ((message.workflows as Plain[] | undefined) ?? []).map((w) =>
          withStruct(w, 'inputSchema'),
        ),
      };
    default:
      return message;
  }
}

/** A decoded Struct field as the JSON object it stands for. */
function fromWire(message: Plain, field: string): void {
  if (Object.hasOwn(message, field)) message[field] = fromStruct(message[field] as StructMessage | undefined);
}

/**
 * Encodes a plain object (states as TaskState numbers, inputs as JSON objects) as the named
 * `rnr.v1` message.
 *
 * @example
 * const bytes = encodeMessage('Job', job.snapshot());
 */
export function encodeMessage(name: MessageName, message: object): Uint8Array {
  return messageType(name)
    .encode(toWire(name, message as Plain) as never)
    .finish();
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
    const request = type.toObject(type.decode(bytes) as never, {
      longs: Number,
      enums: String,
      defaults: false,
    });
    if (name === 'StartRunRequest') fromWire(request, 'input');
    return request;
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
  optionalFields(task, ['approval', 'machine', 'startedAt', 'finishedAt', 'retryAt', 'maxAttempts']);
  const approval = task.approval as Record<string, unknown> | undefined;
  if (approval && approval.reason === '') delete approval.reason;
  for (const child of task.children as Record<string, unknown>[]) normalizeTask(child);
  return task as unknown as Task;
}

/** A job's halt, present only while it is halted. */
function normalizeHalt(run: Record<string, unknown>): void {
  optionalFields(run, ['halted', 'owner']);
  const halted = run.halted as Record<string, unknown> | undefined;
  if (halted) optionalFields(halted, ['retryAt']);
}

function normalizeSummary(summary: Record<string, unknown>): JobSummary {
  optionalFields(summary, ['startedAt', 'finishedAt']);
  fromWire(summary, 'input');
  normalizeHalt(summary);
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
  fromWire(job, 'input');
  normalizeHalt(job);
  return job as unknown as JobSnapshot;
}

/** Decodes a binary `JobList` into job summaries. */
export function decodeJobList(bytes: Uint8Array): JobSummary[] {
  return (decodeMessage('JobList', bytes).jobs as Record<string, unknown>[]).map(normalizeSummary);
}

/** Decodes a binary `WorkflowList` (input schemas as JSON objects). */
export function decodeWorkflowList(bytes: Uint8Array): Plain[] {
  const workflows = decodeMessage('WorkflowList', bytes).workflows as Plain[];
  for (const workflow of workflows) fromWire(workflow, 'inputSchema');
  return workflows;
}

/** Decodes a binary `TaskEvent`. */
export function decodeEvent(bytes: Uint8Array): TaskEvent {
  return normalizeEvent(decodeMessage('TaskEvent', bytes));
}

/** Decodes a binary `EventList`. */
export function decodeEventList(bytes: Uint8Array): TaskEvent[] {
  return (decodeMessage('EventList', bytes).events as Record<string, unknown>[]).map(normalizeEvent);
}

/** An event as the engine writes it: `retryAt` only while a retry is pending. */
function normalizeEvent(event: Record<string, unknown>): TaskEvent {
  optionalFields(event, ['retryAt']);
  return event as unknown as TaskEvent;
}

/** Decodes a binary `ErrorResponse` into `{ code, message }`. */
export function decodeError(bytes: Uint8Array): { code: string; message: string } {
  return decodeMessage('ErrorResponse', bytes).error as { code: string; message: string };
}

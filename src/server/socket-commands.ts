import type { FastifyRequest } from 'fastify';
import { RnrError, taskStateNames } from '../index.js';
import { type OperatorOp, operatorOps } from '../wire/names.js';
import { toRnrError } from './error-handler.js';
import { decodeRequest } from './proto-codec.js';
import { MAX_TEXT } from './schemas.js';

/** A validated socket frame: an operator command, or a `hello` naming the actor. */
export interface SocketCommand {
  id: string | number | null;
  op: OperatorOp | 'hello';
  task?: string;
  state?: string | number;
  parallelism?: number;
  message?: string;
  reason?: string;
  actor?: string;
  /** Makes a resend of the command harmless (the same key for the same run: the same answer). */
  idempotencyKey?: string;
}

const text = { type: 'string', maxLength: MAX_TEXT } as const;

/** The JSON schema of a socket command frame. */
export const socketCommandSchema = {
  type: 'object',
  required: ['op'],
  additionalProperties: false,
  properties: {
    id: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] },
    op: { type: 'string', enum: [...operatorOps, 'hello'] },
    task: { type: 'string', minLength: 1, maxLength: 1024 },
    state: {
      anyOf: [
        { type: 'string', enum: taskStateNames },
        { type: 'integer', minimum: 0, maximum: taskStateNames.length - 1 },
      ],
    },
    parallelism: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    message: text,
    reason: text,
    actor: { type: 'string', maxLength: 256 },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' },
  },
  allOf: [
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
    { if: { properties: { op: { not: { const: 'hello' } } } }, then: { required: ['task'] } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
    { if: { properties: { op: { const: 'state' } } }, then: { required: ['state'] } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
    { if: { properties: { op: { const: 'parallelism' } } }, then: { required: ['parallelism'] } },
  ],
} as const;

/** A failed frame: the error and the request id, if one could be read. */
export interface CommandError {
  id: string | number | null;
  error: RnrError;
}

function requestId(value: unknown): string | number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/**
 * Parses and validates one socket frame: a JSON text frame, or a binary `SocketCommand`. The
 * schema is compiled by the route's own validator (the same AJV as HTTP bodies).
 */
export function parseSocketCommand(
  request: FastifyRequest,
  data: Buffer,
  isBinary: boolean,
): SocketCommand | CommandError {
  let value: unknown;
  try {
    value = isBinary ? decodeRequest('SocketCommand', data) : JSON.parse(data.toString('utf8'));
  } catch (err) {
    const error = isBinary
      ? toRnrError(err, request)
      : new RnrError('RNR_ERR_MALFORMED_BODY', `malformed JSON frame: ${(err as Error).message}`);
    return { id: null, error };
  }
  const validate = request.compileValidationSchema(socketCommandSchema);
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const field = first?.instancePath.split('/')[1];
    const bad =
      field !== undefined && typeof value === 'object' && value !== null && Object.hasOwn(value, field)
        ? (value as Record<string, unknown>)[field]
        : undefined;
    const where = field ? `command/${field}` : 'command';
    const error =
      field === 'state'
        ? new RnrError(
            'RNR_ERR_INVALID_STATE',
            `invalid state ${JSON.stringify(bad)}: expected one of ${taskStateNames.join(', ')}`,
          )
        : field === 'parallelism'
          ? new RnrError(
              'RNR_ERR_INVALID_PARALLELISM',
              `invalid parallelism ${JSON.stringify(bad)}: expected an integer of at least 1`,
            )
          : new RnrError('RNR_ERR_BAD_REQUEST', `${where} ${first?.message ?? 'is invalid'}`);
    return { id: requestId(value), error };
  }
  return value as SocketCommand;
}

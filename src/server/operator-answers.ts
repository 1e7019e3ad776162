import type { FastifyReply, FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import type { PendingCommand } from '../runs/index.js';
import { sendMessage } from './negotiate.js';

/** Longest `Idempotency-Key` header accepted. */
export const MAX_IDEMPOTENCY_KEY = 256;

/** The `Idempotency-Key` header, checked: printable ASCII, at most 256 characters. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > MAX_IDEMPOTENCY_KEY ||
    !/^[\x21-\x7e]+$/.test(key)
  ) {
    throw new RnrError(
      'RNR_ERR_BAD_REQUEST',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces`,
    );
  }
  return key;
}

/** The headers of an operator action: who acts, and the key that makes a resend harmless. */
export const operatorHeaders = {
  type: 'object',
  properties: {
    'x-rnr-actor': { type: 'string', maxLength: 256 },
    'idempotency-key': { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY },
  },
} as const;

/** The 202 answer's schema: `{ pending: true, command }`. */
export const pendingResponse = {
  description:
    'Recorded as a command for a run that lives in another process, which did not apply it in time: it will be applied once, in order, by the owner. Do not resend.',
  type: 'object',
  required: ['pending', 'command'],
  properties: {
    pending: { type: 'boolean' },
    command: {
      type: 'object',
      required: ['id', 'job', 'op', 'task', 'actor', 'createdAt'],
      properties: {
        id: { type: 'string' },
        job: { type: 'string' },
        op: { type: 'string' },
        task: { type: 'string' },
        actor: { type: 'string' },
        reason: { type: 'string' },
        idempotencyKey: { type: 'string' },
        createdAt: { type: 'number' },
      },
    },
  },
} as const;

/** The pending answer as the socket and the HTTP routes send it (always JSON). */
export function pendingBody(pending: PendingCommand): { pending: true; command: PendingCommand } {
  return { pending: true, command: pending };
}

/** Answers 202 `{ pending: true, command }`: the `CommandPending` message, in the format asked for. */
export function sendPending(
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingCommand,
): FastifyReply {
  return sendMessage(request, reply.code(202), 'CommandPending', pendingBody(pending), (body) => body);
}

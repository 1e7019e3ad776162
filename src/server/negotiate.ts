import type { FastifyReply, FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import { encodeMessage, type MessageName, PROTOBUF_MEDIA_TYPE } from './proto-codec.js';

/** The two wire formats of the API. */
export type WireFormat = 'json' | 'proto';

const JSON_MEDIA_TYPE = 'application/json; charset=utf-8';

interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    return { type: type.trim(), q: Number.isFinite(quality) ? quality : 0 };
  });
}

/**
 * The format a request asks for by its `Accept` header: protobuf when it names
 * `application/x-protobuf` (and prefers it), JSON otherwise; throws `RNR_ERR_NOT_ACCEPTABLE` when
 * neither is acceptable.
 */
export function acceptedFormat(accept: string | undefined): WireFormat {
  if (!accept) return 'json';
  const ranges = parseAccept(accept).filter((r) => r.q > 0);
  const quality = (types: string[]): number =>
    Math.max(-1, ...ranges.filter((r) => types.includes(r.type)).map((r) => r.q));
  const proto = quality([PROTOBUF_MEDIA_TYPE]);
  const json = quality(['application/json', 'application/*', '*/*']);
  if (proto >= 0 && proto >= json) return 'proto';
  if (json >= 0) return 'json';
  throw new RnrError(
    'RNR_ERR_NOT_ACCEPTABLE',
    `cannot answer in ${JSON.stringify(accept)}: the API speaks application/json and ${PROTOBUF_MEDIA_TYPE}`,
  );
}

/** The format of a request's answer, never throwing (errors fall back to JSON). */
export function replyFormat(request: FastifyRequest): WireFormat {
  try {
    return acceptedFormat(request.headers.accept);
  } catch {
    return 'json';
  }
}

/**
 * Sends `message` as the named `rnr.v1` message in the format the request accepts: binary
 * protobuf from the plain object, or JSON from `toJson(message)`.
 */
export function sendMessage<T extends object>(
  request: FastifyRequest,
  reply: FastifyReply,
  name: MessageName,
  message: T,
  toJson: (message: T) => unknown,
): FastifyReply {
  if (acceptedFormat(request.headers.accept) === 'proto') {
    return reply.type(PROTOBUF_MEDIA_TYPE).send(Buffer.from(encodeMessage(name, message)));
  }
  return reply.type(JSON_MEDIA_TYPE).send(JSON.stringify(toJson(message)));
}

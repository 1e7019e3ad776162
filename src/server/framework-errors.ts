import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import { sendError } from './error-handler.js';

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs — a path
 * that is not valid percent-encoding (`%ZZ`), or a parameter over `maxParamLength` — answered in
 * the API's error shape rather than fastify's.
 */
export function frameworkErrors(
  err: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const path = request.url.split('?')[0] ?? '';
  const error =
    err.code === 'FST_ERR_BAD_URL'
      ? new RnrError(
          'RNR_ERR_BAD_URL',
          `the path ${JSON.stringify(path.slice(0, 200))} is not valid URL encoding`,
          {
            cause: err,
          },
        )
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new RnrError(
            'RNR_ERR_URL_TOO_LONG',
            'a path segment (job or task id) is longer than 2048 characters after decoding',
            { cause: err },
          )
        : new RnrError('RNR_ERR_INTERNAL', err.message, { cause: err });
  request.log.info({ code: error.code }, error.message);
  // A refused WebSocket upgrade: no route ran, so nothing else closes its socket once answered.
  if (request.headers.upgrade !== undefined) reply.raw.once('finish', () => request.raw.socket?.destroy());
  sendError(request, reply, error);
}

/** What a request that never became one (bad HTTP, headers too large, too slow) is answered. */
function clientError(err: NodeJS.ErrnoException): RnrError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new RnrError('RNR_ERR_REQUEST_TIMEOUT', 'the request was not received in time');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return new RnrError(
      'RNR_ERR_HEADERS_TOO_LARGE',
      'the request headers are larger than the server accepts',
    );
  }
  return new RnrError('RNR_ERR_BAD_REQUEST', `malformed HTTP request (${err.code ?? err.message})`);
}

/**
 * Node's `clientError` handler: a request the HTTP parser refused is answered, if the socket can
 * still be written, in the API's error shape, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const error = clientError(err);
    const body = JSON.stringify({ error: error.toJSON() });
    socket.write(
      `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

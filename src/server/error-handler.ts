import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError, isRnrError, RnrError, type RnrErrorCode, taskStateNames } from '../index.js';
import { replyFormat } from './negotiate.js';
import { encodeMessage, PROTOBUF_MEDIA_TYPE } from './proto-codec.js';

const codeByStatus = new Map<number, RnrErrorCode>([
  [401, 'RNR_ERR_UNAUTHORIZED'],
  // Only @fastify/static answers 403 by itself (a directory, a dotfile): there is nothing to serve.
  [403, 'RNR_ERR_ROUTE_NOT_FOUND'],
  [404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  [406, 'RNR_ERR_NOT_ACCEPTABLE'],
  [413, 'RNR_ERR_BODY_TOO_LARGE'],
  [415, 'RNR_ERR_UNSUPPORTED_MEDIA_TYPE'],
]);

const malformed = new Set(['FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_CTP_INVALID_JSON_BODY']);

function fromValidation(err: FastifyError, request: FastifyRequest): RnrError {
  const first = err.validation?.[0];
  const field = first?.instancePath.split('/')[1] ?? '';
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (err.validationContext === 'body' && field === 'state') {
    return new RnrError(
      'RNR_ERR_INVALID_STATE',
      `invalid state ${JSON.stringify(body.state)}: expected one of ${taskStateNames.join(', ')}`,
    );
  }
  if (err.validationContext === 'body' && field === 'parallelism') {
    return new RnrError(
      'RNR_ERR_INVALID_PARALLELISM',
      `invalid parallelism ${JSON.stringify(body.parallelism)}: expected an integer of at least 1`,
    );
  }
  return new RnrError('RNR_ERR_BAD_REQUEST', err.message, { cause: err });
}

/** A message for the framework's own 4xx errors that names what was wrong. */
function explain(code: RnrErrorCode, request: FastifyRequest, message: string): string {
  switch (code) {
    case 'RNR_ERR_UNSUPPORTED_MEDIA_TYPE':
      return `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json or application/x-protobuf`;
    case 'RNR_ERR_BODY_TOO_LARGE':
      return `the request body is larger than this server's limit of ${request.routeOptions.bodyLimit} bytes`;
    case 'RNR_ERR_ROUTE_NOT_FOUND':
      return `nothing to serve at ${request.method} ${request.url.split('?')[0]}`;
    default:
      return message;
  }
}

/** Turns anything thrown while serving a request into an {@link RnrError}. */
export function toRnrError(err: unknown, request: FastifyRequest): RnrError {
  if (isRnrError(err)) return err;
  const fastifyError = err as FastifyError;
  if (fastifyError.validation) return fromValidation(fastifyError, request);
  if (malformed.has(fastifyError.code) || err instanceof SyntaxError) {
    return new RnrError('RNR_ERR_MALFORMED_BODY', `malformed JSON body: ${fastifyError.message}`, {
      cause: err,
    });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = codeByStatus.get(status) ?? 'RNR_ERR_BAD_REQUEST';
    return new RnrError(code, explain(code, request, fastifyError.message), { cause: err });
  }
  return new RnrError('RNR_ERR_INTERNAL', describeError(err), { cause: err });
}

/** Sends `{ error: { code, message } }` (or a binary `ErrorResponse`) with the code's status. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: RnrError): FastifyReply {
  reply.code(error.status);
  const body = { error: error.toJSON() };
  if (replyFormat(request) === 'proto') {
    return reply.type(PROTOBUF_MEDIA_TYPE).send(Buffer.from(encodeMessage('ErrorResponse', body)));
  }
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Answers every error and unknown route with the API's error body. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toRnrError(err, request);
    request.rnrErrorCode = error.code;
    request.rnrErrorMessage = error.message;
    if (error.status >= 500) request.log.error({ err }, error.message);
    else request.log.info({ code: error.code }, error.message);
    return sendError(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new RnrError('RNR_ERR_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

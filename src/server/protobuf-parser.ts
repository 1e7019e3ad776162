import type { FastifyInstance } from 'fastify';
import { RnrError } from '../index.js';
import { decodeRequest, PROTOBUF_MEDIA_TYPE } from './proto-codec.js';

/**
 * Parses `Content-Type: application/x-protobuf` bodies as the route's request message, into its
 * proto3 JSON form, so that the route's JSON schema validates binary and JSON bodies alike.
 */
export function registerProtobufParser(app: FastifyInstance): void {
  app.addContentTypeParser(PROTOBUF_MEDIA_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
    const name = request.routeOptions.config.protoRequest;
    if (!name) {
      done(new RnrError('RNR_ERR_UNSUPPORTED_MEDIA_TYPE', `${request.url} takes no protobuf body`));
      return;
    }
    try {
      done(null, decodeRequest(name, body as Buffer));
    } catch (err) {
      done(err as Error);
    }
  });
}

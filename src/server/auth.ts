import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import { acceptedFormat } from './negotiate.js';

/** What a caller may do: `operator` reads and acts, `viewer` only reads. */
export type Role = 'operator' | 'viewer';

/** The tokens of a server; without `token`, every caller is an operator. */
export interface AuthOptions {
  token?: string;
  viewerToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's role, set by the auth hook. */
    rnrRole: Role;
    /** Whether the auth hook checked the caller (false when refused before, e.g. by the origin guard). */
    rnrRoleKnown: boolean;
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Routes that need a token when one is set: the API and the metrics. */
function isProtected(request: FastifyRequest): boolean {
  // The matched route, not the raw URL: no spelling of a path can slip past the check.
  const route = request.routeOptions.url ?? '';
  return route.startsWith('/api/') || route === '/metrics';
}

function givenToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim() ?? '';
  }
  // Browsers cannot set headers on a WebSocket, so the upgrade may carry the token in the query.
  if (request.ws) {
    const query = request.query as Record<string, unknown> | undefined;
    const token = query?.access_token;
    if (typeof token === 'string') return token;
  }
  return undefined;
}

/** The role a request's token grants, or throws `RNR_ERR_UNAUTHORIZED`. */
export function roleOf(request: FastifyRequest, options: AuthOptions): Role {
  if (options.token === undefined) return 'operator';
  const token = givenToken(request);
  if (token === undefined) {
    throw new RnrError(
      'RNR_ERR_UNAUTHORIZED',
      'this server needs a token: send Authorization: Bearer <token>',
    );
  }
  if (sameSecret(token, options.token)) return 'operator';
  if (options.viewerToken !== undefined && sameSecret(token, options.viewerToken)) return 'viewer';
  throw new RnrError('RNR_ERR_UNAUTHORIZED', 'the token is not valid for this server');
}

/** Throws `RNR_ERR_FORBIDDEN` unless the role may act on jobs. */
export function requireOperator(role: Role): void {
  if (role !== 'operator') {
    throw new RnrError(
      'RNR_ERR_FORBIDDEN',
      'the viewer token is read-only; operator actions need the operator token',
    );
  }
}

/**
 * Checks the bearer token of every API and metrics request (and WebSocket upgrade); viewers may
 * only read. Also refuses, up front, an `Accept` the API cannot answer. (Pages of other origins are
 * refused before this, by the origin guard.)
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('rnrRole', 'viewer');
  app.decorateRequest('rnrRoleKnown', false);
  app.addHook('onRequest', async (request, reply) => {
    if (!isProtected(request)) {
      request.rnrRole = options.token === undefined ? 'operator' : 'viewer';
      request.rnrRoleKnown = true;
      return;
    }
    try {
      request.rnrRole = roleOf(request, options);
      request.rnrRoleKnown = true;
    } catch (err) {
      reply.header('www-authenticate', 'Bearer realm="rnr"');
      throw err;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') requireOperator(request.rnrRole);
  });
  // Refuse an Accept the API cannot answer before any action is taken, not after.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/') && !request.ws) acceptedFormat(request.headers.accept);
  });
}

import type { FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import { isLoopback } from './listen-guard.js';

/** The host part of a `Host` header or an origin's authority (`[::1]:7300` → `::1`). */
function hostname(authority: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(authority);
  if (bracketed) return bracketed[1] ?? '';
  const colons = authority.split(':').length - 1;
  return colons === 1 ? (authority.split(':')[0] ?? '') : authority;
}

/**
 * Guards a token-less (hence loopback-only) server against the browser: any web page can open a
 * WebSocket to 127.0.0.1, and a DNS-rebinding page can even read the API. So without a token the
 * `Host` must be a loopback name, and a socket upgrade that carries an `Origin` must come from
 * this server's own origin. Throws `RNR_ERR_FORBIDDEN` otherwise.
 */
export function checkLocalOrigin(request: FastifyRequest): void {
  // Browsers always send Host; a request without one (an in-process client) cannot be a page's.
  const host = request.headers.host;
  if (host === undefined) return;
  if (!isLoopback(hostname(host))) {
    throw new RnrError(
      'RNR_ERR_FORBIDDEN',
      `this server has no token, so it answers only requests addressed to a loopback host, not ${JSON.stringify(host)}`,
    );
  }
  const origin = request.headers.origin;
  if (request.ws && origin !== undefined) {
    let authority = '';
    try {
      authority = new URL(origin).host;
    } catch {}
    if (authority !== host) {
      throw new RnrError(
        'RNR_ERR_FORBIDDEN',
        `a socket from the page ${JSON.stringify(origin)} may not steer this server; set a token to allow other origins`,
      );
    }
  }
}

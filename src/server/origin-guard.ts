import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RnrError } from '../index.js';
import { isLoopback } from './listen-guard.js';

/** Who may address the server: what {@link registerOriginGuard} checks every request against. */
export interface OriginPolicy {
  /** With a token the token is the guard, and any `Host` may be used. */
  readonly hasToken: boolean;
  /** Origins besides the request's own that pages may call from (a TLS proxy's public origin). */
  readonly origins: ReadonlySet<string>;
  /** The host names of `origins`: a token-less server answers them as it does loopback names. */
  readonly hosts: ReadonlySet<string>;
}

/** The host part of a `Host` header (`[::1]:7300` → `::1`, `Example:80` → `example`). */
export function hostnameOf(authority: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(authority);
  if (bracketed) return (bracketed[1] ?? '').toLowerCase();
  const colons = authority.split(':').length - 1;
  return (colons === 1 ? (authority.split(':')[0] ?? '') : authority).toLowerCase();
}

/** `localhost`, any `*.localhost` name (browsers resolve them to loopback), 127.0.0.0/8 or `::1`. */
function isLoopbackName(hostname: string): boolean {
  return isLoopback(hostname) || hostname.endsWith('.localhost');
}

/** The serialized origin of a URL (`HTTP://Example:80` → `http://example`), or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    if (parsed.username || parsed.password) return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/** Checks and normalizes the `origins` option; throws `RNR_ERR_INVALID_OPTION` naming a bad one. */
export function originPolicy(hasToken: boolean, origins: unknown): OriginPolicy {
  if (origins === undefined) return { hasToken, origins: new Set(), hosts: new Set() };
  if (!Array.isArray(origins)) {
    throw new RnrError(
      'RNR_ERR_INVALID_OPTION',
      `createServer: origins must be an array of origins like "https://rnr.example.com", got ${JSON.stringify(origins)}`,
    );
  }
  const set = new Set<string>();
  for (const value of origins) {
    const origin = typeof value === 'string' ? originOf(value) : undefined;
    if (origin === undefined || origin !== value.replace(/\/$/, '').toLowerCase()) {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `createServer: origins: ${JSON.stringify(value)} is not an origin (scheme://host[:port], http or https, no path)`,
      );
    }
    set.add(origin);
  }
  return { hasToken, origins: set, hosts: new Set([...set].map((o) => hostnameOf(new URL(o).host))) };
}

const forbidden = (message: string) => new RnrError('RNR_ERR_FORBIDDEN', message);

/**
 * Refuses, 403 `RNR_ERR_FORBIDDEN`, a request that a web page of another origin could have sent:
 * an `Origin` that is not the server's own (the scheme of the connection and the `Host` the request
 * was addressed to, or one of `policy.origins`), or a `Sec-Fetch-Site` other than `same-origin` or
 * `none`. Without a token it also refuses a `Host` that is not a loopback name, so a DNS-rebinding
 * page (its own name resolving to 127.0.0.1, hence "same origin") cannot reach the API either.
 * Clients that are not browsers (the CLI, curl) send neither header and pass.
 */
export function checkOrigin(request: FastifyRequest, policy: OriginPolicy): void {
  const { host, origin } = request.headers;
  const site = request.headers['sec-fetch-site'];
  if (!policy.hasToken && host !== undefined) {
    const name = hostnameOf(host);
    if (!isLoopbackName(name) && !policy.hosts.has(name)) {
      throw forbidden(
        `this server has no token, so it answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(host)}; set a token to serve other names`,
      );
    }
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw forbidden(
      `a request from another site's page (Sec-Fetch-Site: ${site}) may not use this server; open the server's own address instead`,
    );
  }
  if (origin === undefined) return;
  const own = host === undefined ? undefined : originOf(`${request.protocol}://${host}`);
  const given = originOf(origin);
  if (given === undefined || (given !== own && !policy.origins.has(given))) {
    throw forbidden(
      `a request from the page ${JSON.stringify(origin)} may not use this server (its own origin is ${own ?? 'unknown'}); ` +
        'behind a proxy, list the public origin in createServer({ origins })',
    );
  }
}

/** Checks every request, the web view's and WebSocket upgrades included, with {@link checkOrigin}. */
export function registerOriginGuard(app: FastifyInstance, policy: OriginPolicy): void {
  app.addHook('onRequest', async (request) => checkOrigin(request, policy));
}

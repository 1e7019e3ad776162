import { isIP } from 'node:net';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import { RnrError } from '../index.js';

/** True for `localhost`, 127.0.0.0/8, `::1` and their IPv4-mapped forms. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/**
 * Makes `app.listen` refuse any host but loopback unless the server has a token: an API without
 * one lets anyone on the network steer the jobs.
 */
export function guardListen(app: FastifyInstance, hasToken: boolean): void {
  if (hasToken) return;
  const listen = app.listen.bind(app) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]): unknown => {
    const options = (typeof args[0] === 'object' && args[0] !== null ? args[0] : {}) as FastifyListenOptions;
    const host = options.host ?? 'localhost';
    if (options.path === undefined && !isLoopback(host)) {
      const err = new RnrError(
        'RNR_ERR_INSECURE_LISTEN',
        `refusing to listen on ${host} without a token: anyone who can reach it could steer the jobs. ` +
          'Set one with createServer({ token }) (rnr run --token <secret> or RNR_TOKEN=<secret>), ' +
          'or listen on 127.0.0.1',
      );
      const callback = args.find((arg) => typeof arg === 'function') as ((err: Error) => void) | undefined;
      if (callback) {
        callback(err);
        return undefined;
      }
      return Promise.reject(err);
    }
    return listen(...args);
  };
  (app as unknown as { listen: unknown }).listen = guarded;
}

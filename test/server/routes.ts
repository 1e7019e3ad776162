// Every route a server has, with its parameters filled in: for tests that must cover each one.
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from '../../src/server/create-server.js';

/** One concrete request per route of the server. */
export interface RouteCall {
  method: 'GET' | 'POST' | 'HEAD' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  /** The route as registered (`/api/v1/jobs/:job`). */
  route: string;
  /** The route with its parameters filled in. */
  url: string;
}

/**
 * Makes a server like {@link createServer} and lists its routes as registered (so a route added
 * later is covered without touching the test). Parameters are filled from `params`.
 */
export async function serverWithRoutes(
  options: ServerOptions,
  params: Record<string, string>,
): Promise<{ app: FastifyInstance; calls: RouteCall[] }> {
  const app = createServer(options);
  const calls: RouteCall[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const url = route.url.replace(/:(\w+)|\*/g, (_all, name: string | undefined) => {
      const value = name === undefined ? params['*'] : params[name];
      if (value === undefined) throw new Error(`no value for ${name ?? '*'} in ${route.url}`);
      return value;
    });
    for (const method of methods)
      calls.push({ method: method as RouteCall['method'], route: route.url, url });
  });
  await app.ready();
  return { app, calls };
}

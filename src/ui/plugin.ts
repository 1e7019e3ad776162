import type { FastifyInstance } from 'fastify';

/**
 * Serves the web view at `/`. Placeholder until the web view lands: the UI work replaces this file.
 */
export async function uiPlugin(app: FastifyInstance): Promise<void> {
  app.get('/', async (_req, reply) => {
    reply.type('text/html').send('<!doctype html><title>rnr</title><p>rnr web view is not built yet. API: <a href="/docs">/docs</a></p>');
  });
}

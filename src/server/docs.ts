import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Serves the OpenAPI document and its UI (assets served locally) at `/docs`. */
export function registerDocs(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      info: {
        title: 'rnr Control API',
        description:
          'See and steer running jobs. JSON (proto3 mapping) or binary protobuf via Accept: application/x-protobuf.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [{ name: 'jobs' }, { name: 'tasks' }, { name: 'operator' }, { name: 'events' }, { name: 'ops' }],
    },
    // Components by their own names (Task, Job…) rather than def-0, def-1…
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

import type { FastifyInstance } from 'fastify';
import { localProcess } from '../runs/index.js';
import { sendMessage } from './negotiate.js';
import { produces, responses } from './schemas.js';
import type { ServerContext } from './server-context.js';

/**
 * `GET /cluster`: the processes serving this store, oldest first — on PostgreSQL every live
 * `rnr serve` sharing it (heartbeat within a lease), with the workflows each hosts and the runs
 * each owns; on SQLite or memory this process alone (docs/cluster.md).
 */
export function registerClusterRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runs } = context;
  app.get('/api/v1/cluster', {
    schema: {
      summary: 'The processes serving this store, with their heartbeats, workflows and runs',
      tags: ['runs'],
      produces,
      response: responses({
        type: 'object',
        properties: { processes: { type: 'array', items: { $ref: 'ClusterProcess#' } } },
      }),
    },
    handler: async (request, reply) => {
      const cluster = runs.cluster ? await runs.cluster() : { processes: [localProcess(runs)] };
      return sendMessage(request, reply, 'Cluster', cluster, (message) => message);
    },
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Job, RnrError } from '../index.js';
import { eventToJson, jobToJson, summaryToJson, taskToJson } from '../wire/encode.js';
import { serveEventSocket } from './event-socket.js';
import { requireJob } from './job-registry.js';
import { acceptedFormat, sendMessage } from './negotiate.js';
import { eventsQuery, jobParams, produces, responses, taskParams, taskQuery } from './schemas.js';
import type { ServerContext } from './server-context.js';

/** Most events one `GET …/events` answers. */
export const MAX_EVENTS_PER_PAGE = 10_000;

type JobRequest = FastifyRequest<{ Params: { job: string } }>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes WebSocket upgrades; an upgrade of any other route is refused (404). */
    socket?: boolean;
  }
}

/**
 * Registers the read routes: the job list, one job, one task, and the event log (JSON or
 * protobuf; a WebSocket upgrade on the events route streams them live).
 */
export function registerReadRoutes(app: FastifyInstance, context: ServerContext): void {
  const jobOf = (request: JobRequest): Job => requireJob(context.jobs, request.params.job);

  app.get('/api/v1/jobs', {
    schema: {
      summary: 'List the jobs',
      tags: ['jobs'],
      produces,
      response: responses({
        type: 'object',
        properties: { jobs: { type: 'array', items: { $ref: 'JobSummary#' } } },
      }),
    },
    handler: (request, reply) => {
      const jobs = context.jobs.list().map((job) => job.summary());
      return sendMessage(request, reply, 'JobList', { jobs }, (list) => ({
        jobs: list.jobs.map(summaryToJson),
      }));
    },
  });

  app.get('/api/v1/whoami', {
    schema: {
      summary: "What the caller's token allows: operator (read and act) or viewer (read only)",
      description: 'For clients that show or hide controls (the web view). JSON only.',
      tags: ['auth'],
      response: {
        200: {
          type: 'object',
          required: ['role', 'tokenRequired'],
          properties: {
            role: { type: 'string', enum: ['operator', 'viewer'] },
            tokenRequired: { type: 'boolean' },
          },
        },
      },
    },
    handler: async (request) => ({ role: request.rnrRole, tokenRequired: context.auth.token !== undefined }),
  });

  app.get<{ Params: { job: string } }>('/api/v1/jobs/:job', {
    schema: {
      summary: 'Get a job with its whole task tree',
      tags: ['jobs'],
      produces,
      params: jobParams,
      response: responses({ $ref: 'Job#' }),
    },
    handler: (request, reply) => sendMessage(request, reply, 'Job', jobOf(request).snapshot(), jobToJson),
  });

  app.get<{ Params: { job: string; task: string }; Querystring: { depth?: string } }>(
    '/api/v1/jobs/:job/tasks/:task',
    {
      schema: {
        summary: 'Get one task',
        tags: ['tasks'],
        produces,
        params: taskParams,
        querystring: taskQuery,
        response: responses({ $ref: 'Task#' }),
      },
      handler: (request, reply) => {
        const { depth } = request.query;
        const task = jobOf(request).getTask(
          request.params.task,
          depth === undefined ? {} : { depth: Number(depth) },
        );
        return sendMessage(request, reply, 'Task', task, taskToJson);
      },
    },
  );

  app.get<{ Params: { job: string; task: string } }>('/api/v1/jobs/:job/tasks/:task/machine', {
    schema: {
      summary: "A machine task's own statechart (machine.toJSON(), JSON only)",
      description:
        'The definition of the XState machine behind a machine task, for drawing it. Highlight the nodes ' +
        "named by the task's `machine.active` paths. 409 RNR_ERR_NOT_MACHINE for other kinds of task.",
      tags: ['tasks'],
      params: taskParams,
    },
    handler: async (request, reply) => {
      const chart = jobOf(request).machineChart(request.params.task);
      // The chart is JSON by nature (functions dropped by toJSON); there is no proto message for it.
      if (
        acceptedFormat(request.headers.accept) === 'proto' &&
        !/json|\*\/\*/.test(request.headers.accept ?? '')
      ) {
        throw new RnrError(
          'RNR_ERR_NOT_ACCEPTABLE',
          'a machine chart is JSON only: ask with Accept: application/json',
        );
      }
      reply.header('cache-control', 'no-cache').type('application/json');
      return chart;
    },
  });

  app.route<{ Params: { job: string }; Querystring: { since?: string; limit?: string } }>({
    method: 'GET',
    url: '/api/v1/jobs/:job/events',
    config: { socket: true },
    schema: {
      summary: 'The event log after `since`; with a WebSocket upgrade, a live stream',
      description:
        'As WebSocket: every event after `since`, then each new one (JSON text frames, or binary with `format=proto`). ' +
        'Send operator commands as JSON text frames `{ id, op, task, state?, parallelism?, message?, reason? }`.',
      tags: ['events'],
      produces,
      params: jobParams,
      querystring: eventsQuery,
      response: responses({
        type: 'object',
        properties: { events: { type: 'array', items: { $ref: 'TaskEvent#' } } },
      }),
    },
    // Resolving the job before the upgrade lets an unknown job answer a plain 404.
    preHandler: async (request) => {
      jobOf(request);
    },
    handler: async (request, reply) => {
      const since = Number(request.query.since ?? 0);
      const limit = Math.min(Number(request.query.limit ?? MAX_EVENTS_PER_PAGE), MAX_EVENTS_PER_PAGE);
      const events = await jobOf(request).events(since, limit);
      return sendMessage(request, reply, 'EventList', { events }, (list) => ({
        events: list.events.map(eventToJson),
      }));
    },
    wsHandler: (socket, request) => serveEventSocket(socket, request, jobOf(request as JobRequest), context),
  });
}

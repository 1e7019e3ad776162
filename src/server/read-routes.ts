import type { FastifyInstance } from 'fastify';
import { RnrError } from '../index.js';
import type { RunStream } from '../runs/index.js';
import { eventToJson, jobListToJson, jobToJson, taskToJson } from '../wire/encode.js';
import { serveEventSocket } from './event-socket.js';
import { acceptedFormat, sendMessage } from './negotiate.js';
import { eventsQuery, jobParams, jobsQuery, produces, responses, taskParams, taskQuery } from './schemas.js';
import type { ServerContext } from './server-context.js';

/** Most events one `GET …/events` answers. */
export const MAX_EVENTS_PER_PAGE = 10_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes WebSocket upgrades; an upgrade of any other route is refused (404). */
    socket?: boolean;
  }
  interface FastifyRequest {
    /** The event stream a socket upgrade was resolved to (before the upgrade). */
    rnrStream?: RunStream;
  }
}

interface JobsQuery {
  workflow?: string;
  state?: string;
  limit?: string;
  pageToken?: string;
}

/**
 * Registers the read routes: the job list, one job, one task, and the event log (JSON or
 * protobuf; a WebSocket upgrade on the events route streams them live).
 */
export function registerReadRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runs } = context;

  app.get<{ Querystring: JobsQuery }>('/api/v1/jobs', {
    schema: {
      summary: 'List the runs, newest first, finished ones included',
      description:
        '`state`: state names, ACTIVE (unfinished) or DONE (finished), comma-separated; `limit` default 100, ' +
        'clamped to 1000; pass `nextPageToken` as `pageToken` for the next page (absent on the last page).',
      tags: ['jobs'],
      produces,
      querystring: jobsQuery,
      response: responses({
        type: 'object',
        properties: {
          jobs: { type: 'array', items: { $ref: 'JobSummary#' } },
          nextPageToken: { type: 'string' },
        },
      }),
    },
    handler: async (request, reply) => {
      const { workflow, state, limit, pageToken } = request.query;
      const page = await runs.list({
        ...(workflow !== undefined && { workflow }),
        ...(state !== undefined && { states: state.split(',') }),
        ...(limit !== undefined && { limit: Number(limit) }),
        ...(pageToken !== undefined && { pageToken }),
      });
      return sendMessage(request, reply, 'JobList', page, jobListToJson);
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
    handler: async (request, reply) =>
      sendMessage(request, reply, 'Job', await runs.snapshot(request.params.job), jobToJson),
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
      handler: async (request, reply) => {
        const { depth } = request.query;
        const task = await runs.task(
          request.params.job,
          request.params.task,
          depth === undefined ? undefined : Number(depth),
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
      const chart = await runs.machineChart(request.params.job, request.params.task);
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
    // Resolving the run before the upgrade lets an unknown run answer a plain 404.
    preHandler: async (request) => {
      if (request.ws) request.rnrStream = await runs.stream(request.params.job);
    },
    handler: async (request, reply) => {
      const since = Number(request.query.since ?? 0);
      const limit = Math.min(Number(request.query.limit ?? MAX_EVENTS_PER_PAGE), MAX_EVENTS_PER_PAGE);
      const events = await runs.events(request.params.job, since, limit);
      return sendMessage(request, reply, 'EventList', { events }, (list) => ({
        events: list.events.map(eventToJson),
      }));
    },
    wsHandler: (socket, request) =>
      serveEventSocket(socket, request, request.rnrStream as RunStream, context),
  });
}

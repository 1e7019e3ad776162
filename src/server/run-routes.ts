import type { FastifyInstance } from 'fastify';
import { RunTrigger } from '../index.js';
import { summaryToJson, workflowsToJson } from '../wire/encode.js';
import { sendMessage } from './negotiate.js';
import { actorName } from './operator-actions.js';
import {
  idempotencyKey,
  MAX_IDEMPOTENCY_KEY,
  operatorHeaders,
  pendingResponse,
  sendPending,
} from './operator-answers.js';
import { jobParams, produces, responses } from './schemas.js';
import type { ServerContext } from './server-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The run a start request made or found (for the audit record). */
    rnrRunId?: string;
  }
}

const workflowParams = {
  type: 'object',
  required: ['workflow'],
  properties: { workflow: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/**
 * Registers the run routes: `GET /workflows`, `POST /workflows/:workflow/runs` (start a run:
 * 201 with its JobSummary; `Idempotency-Key` honoured) and `POST /jobs/:job/cancel`.
 */
export function registerRunRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runs } = context;

  app.get('/api/v1/workflows', {
    schema: {
      summary: 'The workflows this server hosts, with the JSON Schema of their input',
      tags: ['runs'],
      produces,
      response: responses({
        type: 'object',
        properties: { workflows: { type: 'array', items: { $ref: 'Workflow#' } } },
      }),
    },
    handler: (request, reply) => {
      const workflows = runs.workflows();
      return sendMessage(request, reply, 'WorkflowList', { workflows }, workflowsToJson);
    },
  });

  app.post<{ Params: { workflow: string }; Body: { input?: Record<string, unknown> } }>(
    '/api/v1/workflows/:workflow/runs',
    {
      config: { protoRequest: 'StartRunRequest', operatorOp: 'start' },
      schema: {
        summary: 'Start a run of a workflow (201 with its JobSummary)',
        description:
          'The input is validated by the workflow (400 RNR_ERR_INVALID_INPUT listing each issue); 404 for an unknown ' +
          "workflow; 409 RNR_ERR_CONFLICT over the workflow's concurrency (naming the runs in the way). An " +
          'Idempotency-Key header makes a retried request answer the same run (with Idempotent-Replayed: true).',
        tags: ['runs'],
        consumes: produces,
        produces,
        params: workflowParams,
        headers: {
          type: 'object',
          properties: {
            'x-rnr-actor': { type: 'string', maxLength: 256 },
            'idempotency-key': { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY },
          },
        },
        body: { $ref: 'StartRunRequest#' },
        response: { ...responses({ $ref: 'JobSummary#' }), 201: { $ref: 'JobSummary#' } },
      },
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      handler: async (request, reply) => {
        const { summary, created } = await runs.start(request.params.workflow, {
          input: request.body.input ?? {},
          trigger: RunTrigger.API,
          startedBy: actorName(request.headers['x-rnr-actor']),
          ...(idempotencyKey(request) !== undefined && { idempotencyKey: idempotencyKey(request) }),
        });
        request.rnrRunId = summary.id;
        reply.code(201).header('location', `/api/v1/jobs/${encodeURIComponent(summary.id)}`);
        if (!created) reply.header('idempotent-replayed', 'true');
        return sendMessage(request, reply, 'JobSummary', summary, summaryToJson);
      },
    },
  );

  app.post<{ Params: { job: string }; Body: { reason?: string } }>('/api/v1/jobs/:job/cancel', {
    config: { protoRequest: 'CancelRequest', operatorOp: 'cancel' },
    schema: {
      summary: 'Cancel a run: polling stops, unfinished tasks end SKIPPED with the reason',
      description:
        'Polls in flight are aborted; each unfinished task gets one OPERATOR event (action cancel) with the actor ' +
        "and reason. 409 RNR_ERR_CONFLICT when the run has already ended. Answers the run's JobSummary; 202 " +
        '{ pending: true, command } when the run lives in another process that did not apply it in time (see ' +
        'docs/cluster.md). An Idempotency-Key header makes a resend harmless.',
      tags: ['runs'],
      consumes: produces,
      produces,
      params: jobParams,
      headers: operatorHeaders,
      body: { $ref: 'CancelRequest#' },
      response: { ...responses({ $ref: 'JobSummary#' }), 202: pendingResponse },
    },
    preValidation: async (request) => {
      if (request.body === undefined || request.body === null) request.body = {};
    },
    handler: async (request, reply) => {
      const key = idempotencyKey(request);
      const cancel = {
        actor: actorName(request.headers['x-rnr-actor']),
        ...(request.body.reason !== undefined && { reason: request.body.reason }),
        ...(key !== undefined && { idempotencyKey: key }),
      };
      const answer = runs.submitCancel
        ? await runs.submitCancel(request.params.job, cancel)
        : { applied: await runs.cancel(request.params.job, cancel), replayed: false };
      if ('pending' in answer) return sendPending(request, reply, answer.pending);
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      return sendMessage(request, reply, 'JobSummary', answer.applied, summaryToJson);
    },
  });
}

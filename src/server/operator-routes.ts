import type { FastifyInstance } from 'fastify';
import type { TaskState, TaskStateName } from '../index.js';
import { taskToJson } from '../wire/encode.js';
import { type OperatorOp, operatorOps } from '../wire/names.js';
import { sendMessage } from './negotiate.js';
import { actorName } from './operator-actions.js';
import { idempotencyKey, operatorHeaders, pendingResponse, sendPending } from './operator-answers.js';
import type { MessageName } from './proto-codec.js';
import { produces, responses, taskParams } from './schemas.js';
import type { ServerContext } from './server-context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The `rnr.v1` message a binary protobuf body of this route decodes as. */
    protoRequest?: MessageName;
  }
}

interface OperatorBody {
  state?: TaskState | TaskStateName;
  parallelism?: number;
  message?: string;
  reason?: string;
}

const bodyOf: Record<OperatorOp, { schema: string; proto: MessageName; summary: string }> = {
  state: { schema: 'SetStateRequest', proto: 'SetStateRequest', summary: "Set a task's state" },
  parallelism: {
    schema: 'SetParallelismRequest',
    proto: 'SetParallelismRequest',
    summary: "Set a nested task's parallelism",
  },
  retry: { schema: 'ActionRequest', proto: 'ActionRequest', summary: 'Retry a task (PENDING, attempt + 1)' },
  skip: { schema: 'ActionRequest', proto: 'ActionRequest', summary: 'Skip a task' },
  approve: { schema: 'ActionRequest', proto: 'ActionRequest', summary: 'Approve an ACTION_PENDING task' },
  pause: {
    schema: 'ActionRequest',
    proto: 'ActionRequest',
    summary: 'Pause a task (and what it would start)',
  },
  resume: { schema: 'ActionRequest', proto: 'ActionRequest', summary: 'Resume a paused task' },
};

/**
 * Registers `POST /api/v1/jobs/:job/tasks/:task/{state|retry|skip|approve|pause|resume|parallelism}`.
 * The actor is the `X-Rnr-Actor` header (else "anonymous"); the answer is the updated Task, or 202
 * `{ pending: true, command }` for a run in another process that did not apply it in time (a store
 * several processes share); an `Idempotency-Key` header makes a resend answer the same.
 */
export function registerOperatorRoutes(app: FastifyInstance, context: ServerContext): void {
  for (const op of operatorOps) {
    const { schema, proto, summary } = bodyOf[op];
    app.post<{ Params: { job: string; task: string }; Body: OperatorBody }>(
      `/api/v1/jobs/:job/tasks/:task/${op}`,
      {
        config: { protoRequest: proto, operatorOp: op },
        schema: {
          summary,
          tags: ['operator'],
          consumes: produces,
          produces,
          params: taskParams,
          headers: operatorHeaders,
          body: { $ref: `${schema}#` },
          response: { ...responses({ $ref: 'Task#' }), 202: pendingResponse },
        },
        // An action without a body (curl -X POST …/retry) is an action without a reason.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
        handler: async (request, reply) => {
          const key = idempotencyKey(request);
          const command = {
            ...request.body,
            op,
            task: request.params.task,
            actor: actorName(request.headers['x-rnr-actor']),
            ...(key !== undefined && { idempotencyKey: key }),
          };
          const { runs } = context;
          const answer = runs.submit
            ? await runs.submit(request.params.job, command)
            : { applied: await runs.operate(request.params.job, command), replayed: false };
          if ('pending' in answer) return sendPending(request, reply, answer.pending);
          if (answer.replayed) reply.header('idempotent-replayed', 'true');
          const task = answer.applied;
          return sendMessage(request, reply, 'Task', task, taskToJson);
        },
      },
    );
  }
}

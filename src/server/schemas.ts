import type { FastifyInstance } from 'fastify';
import { MAX_MESSAGE_CHARS, taskStateNames } from '../index.js';
import { causeNames } from '../wire/names.js';

/** Longest accepted free-text field (message, reason), in characters: the engine's message cap. */
export const MAX_TEXT = MAX_MESSAGE_CHARS;

const text = { type: 'string', maxLength: MAX_TEXT } as const;
const stateSchema = {
  description: 'A TaskState name (or its number)',
  anyOf: [
    { type: 'string', enum: taskStateNames },
    { type: 'integer', minimum: 0, maximum: taskStateNames.length - 1 },
  ],
} as const;
const time = { type: 'number', description: 'ms since the Unix epoch' } as const;

/** `POST …/state` body (`SetStateRequest`). */
export const setStateBody = {
  $id: 'SetStateRequest',
  type: 'object',
  required: ['state'],
  additionalProperties: false,
  properties: { state: stateSchema, message: text, reason: text },
} as const;

/** `POST …/{retry|skip|approve|pause|resume}` body (`ActionRequest`); may be empty. */
export const actionBody = {
  $id: 'ActionRequest',
  type: 'object',
  additionalProperties: false,
  properties: { reason: text },
} as const;

/** `POST …/parallelism` body (`SetParallelismRequest`). */
export const setParallelismBody = {
  $id: 'SetParallelismRequest',
  type: 'object',
  required: ['parallelism'],
  additionalProperties: false,
  properties: { parallelism: { type: 'integer', minimum: 1, maximum: 1_000_000 }, reason: text },
} as const;

/** `POST /workflows/:workflow/runs` body (`StartRunRequest`); may be empty. */
export const startRunBody = {
  $id: 'StartRunRequest',
  type: 'object',
  additionalProperties: false,
  properties: {
    input: {
      type: 'object',
      additionalProperties: true,
      description: "The run's input (validated by the workflow)",
    },
  },
} as const;

/** `POST /jobs/:job/cancel` body (`CancelRequest`); may be empty. */
export const cancelBody = {
  $id: 'CancelRequest',
  type: 'object',
  additionalProperties: false,
  properties: { reason: text },
} as const;

const id = { type: 'string', minLength: 1, maxLength: 1024 } as const;

/** Route params of job routes. */
export const jobParams = { type: 'object', required: ['job'], properties: { job: id } } as const;

/** Route params of task routes (the task id URL-encoded, `/` as `%2F`). */
export const taskParams = {
  type: 'object',
  required: ['job', 'task'],
  properties: { job: id, task: { ...id, description: 'The task id, URL-encoded' } },
} as const;

const count = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;

/** Query of `GET …/events`. */
export const eventsQuery = {
  type: 'object',
  properties: {
    since: { ...count, description: 'Only events with seq > since (default 0)' },
    limit: { ...count, description: 'At most this many events (default and maximum 10000)' },
    format: { type: 'string', enum: ['json', 'proto'], description: 'WebSocket frames: JSON text or binary' },
    actor: { type: 'string', maxLength: 256, description: 'WebSocket: who sends commands' },
    access_token: { type: 'string', description: 'WebSocket: the bearer token, for browsers' },
  },
} as const;

/** Query of `GET /jobs`. */
export const jobsQuery = {
  type: 'object',
  properties: {
    workflow: { type: 'string', maxLength: 200, description: 'Only runs of this workflow' },
    state: {
      type: 'string',
      maxLength: 200,
      description: 'State names, ACTIVE (unfinished) or DONE (finished), comma-separated',
    },
    limit: { ...count, description: 'Runs per page (default 100, at most 1000)' },
    pageToken: { type: 'string', maxLength: 1024, description: 'The nextPageToken of the previous page' },
  },
} as const;

/** Query of `GET …/tasks/:task`. */
export const taskQuery = {
  type: 'object',
  properties: { depth: { ...count, description: 'Levels of children to include (default all)' } },
} as const;

/** Shared response schemas, for the OpenAPI document. */
const components = [
  {
    $id: 'Task',
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string', enum: ['CALLBACK', 'NESTED', 'MACHINE'] },
      state: { type: 'string', enum: taskStateNames },
      message: { type: 'string' },
      paused: { type: 'boolean' },
      parallelism: { type: 'integer' },
      failFast: { type: 'boolean' },
      children: { type: 'array', items: { $ref: 'Task#' } },
      attempt: { type: 'integer' },
      retryAt: {
        ...time,
        description:
          'A try FAILED: the task (RUNNING, not polled) tries again then, as attempt + 1. Absent when none.',
      },
      maxAttempts: {
        type: 'integer',
        description:
          "The task's retry.attempts (tries in all, the first included). Absent without that option.",
      },
      approval: {
        type: 'object',
        properties: { by: { type: 'string' }, at: time, reason: { type: 'string' } },
      },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      parentId: { type: 'string' },
      createdAt: time,
      startedAt: time,
      finishedAt: time,
      updatedAt: time,
    },
  },
  {
    $id: 'JobHalt',
    type: 'object',
    description: 'Why a job is halted: its store refused a commit (it retries by itself at retryAt).',
    properties: { code: { type: 'string' }, message: { type: 'string' }, since: time, retryAt: time },
  },
  {
    $id: 'Job',
    type: 'object',
    properties: {
      // Present while the job is halted: its store refused a commit.
      halted: { $ref: 'JobHalt#' },
      // Present while a process owns (executes) the run.
      owner: { $ref: 'RunOwner#' },
      id: { type: 'string' },
      name: { type: 'string' },
      root: { $ref: 'Task#' },
      createdAt: time,
      seq: { type: 'integer' },
      workflow: { type: 'string', description: 'The workflow this is a run of' },
      run: { type: 'integer', description: "The run's number n (its id is <workflow>-<n>)" },
      input: {
        type: 'object',
        additionalProperties: true,
        description: 'The validated input it started with',
      },
      trigger: { type: 'string', enum: ['TRIGGER_UNSPECIFIED', 'CLI', 'API', 'SCHEDULE'] },
      startedBy: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  {
    $id: 'ClusterProcess',
    type: 'object',
    description: 'One process serving this store (GET /cluster).',
    properties: {
      id: { type: 'string', description: "Its id in the store (a run's owner.process)" },
      host: { type: 'string' },
      pid: { type: 'integer', description: "The serving process's own process.pid" },
      startedAt: time,
      heartbeatAt: { ...time, description: 'The last renewal of its leases' },
      workflows: { type: 'array', items: { type: 'string' } },
      runs: { type: 'integer', description: 'How many runs it owns' },
    },
  },
  {
    $id: 'RunOwner',
    type: 'object',
    description: 'The process that executes a run (an id of GET /cluster) and the epoch it owns it in.',
    properties: { process: { type: 'string' }, epoch: { type: 'integer' } },
  },
  {
    $id: 'JobSummary',
    type: 'object',
    properties: {
      // Present while the job is halted: its store refused a commit.
      halted: { $ref: 'JobHalt#' },
      // Present while a process owns (executes) the run.
      owner: { $ref: 'RunOwner#' },
      id: { type: 'string' },
      name: { type: 'string' },
      state: { type: 'string', enum: taskStateNames },
      counts: { type: 'object', additionalProperties: { type: 'integer' } },
      total: { type: 'integer' },
      seq: { type: 'integer' },
      createdAt: time,
      startedAt: time,
      finishedAt: time,
      workflow: { type: 'string', description: 'The workflow this is a run of' },
      run: { type: 'integer', description: "The run's number n (its id is <workflow>-<n>)" },
      input: {
        type: 'object',
        additionalProperties: true,
        description: 'The validated input it started with',
      },
      trigger: { type: 'string', enum: ['TRIGGER_UNSPECIFIED', 'CLI', 'API', 'SCHEDULE'] },
      startedBy: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  {
    $id: 'Workflow',
    type: 'object',
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      inputSchema: {
        type: 'object',
        additionalProperties: true,
        description: 'The JSON Schema of its input, where its validator offers one',
      },
      schedules: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            cron: { type: 'string' },
            timezone: { type: 'string' },
            overlap: { type: 'string', enum: ['skip', 'allow'] },
            nextAt: { ...time, description: 'Its next fire time, where this server fires it' },
            lastFire: {
              type: 'object',
              description: 'What became of its last fire time in this server process',
              properties: {
                at: time,
                outcome: { type: 'string', enum: ['started', 'skipped', 'elsewhere', 'failed'] },
                run: { type: 'string' },
                reason: { type: 'string' },
              },
            },
          },
        },
      },
      concurrency: { type: 'integer', description: 'At most this many unfinished runs (absent: no limit)' },
      keepRuns: { type: 'integer' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  {
    $id: 'TaskEvent',
    type: 'object',
    properties: {
      seq: { type: 'integer' },
      jobId: { type: 'string' },
      taskId: { type: 'string' },
      from: { type: 'string', enum: taskStateNames },
      to: { type: 'string', enum: taskStateNames },
      paused: { type: 'boolean' },
      message: { type: 'string' },
      cause: { type: 'string', enum: causeNames },
      actor: { type: 'string' },
      reason: { type: 'string' },
      action: { type: 'string' },
      attempt: { type: 'integer' },
      parallelism: { type: 'integer' },
      retryAt: {
        ...time,
        description: "The task's pending automatic retry after the event. Absent when none.",
      },
      time,
    },
  },
  {
    $id: 'ErrorResponse',
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          issues: {
            type: 'array',
            description: 'RNR_ERR_INVALID_INPUT: each issue of the input',
            items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
];

/** Registers the request and response schemas so routes (and the OpenAPI document) can refer to them. */
export function registerSchemas(app: FastifyInstance): void {
  for (const schema of [
    setStateBody,
    actionBody,
    setParallelismBody,
    startRunBody,
    cancelBody,
    ...components,
  ])
    app.addSchema(schema);
}

/** The media types every API route answers in (for the OpenAPI document). */
export const produces = ['application/json', 'application/x-protobuf'];

/** The response schemas of a route: `ok` on 200, the error body otherwise. */
export function responses(ok: object): Record<string, object> {
  const error = { $ref: 'ErrorResponse#' };
  return { 200: ok, '4xx': error, '5xx': error };
}

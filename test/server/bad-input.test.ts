import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { encodeMessage, PROTOBUF_MEDIA_TYPE } from '../../src/server/index.js';
import { deployJob, server } from './fixtures.js';

const enc = encodeURIComponent;
const task = (id: string, op = '') => `/api/v1/jobs/deploy/tasks/${enc(id)}${op && `/${op}`}`;
let job: Job;
let app: FastifyInstance;
let before: string;

beforeEach(async () => {
  job = deployJob();
  await job.tick();
  app = server([job], { bodyLimit: 4096 });
  before = JSON.stringify(job.snapshot());
});
afterEach(async () => {
  // Whatever the request, the job is untouched and the server still answers.
  expect(JSON.stringify(job.snapshot())).toBe(before);
  expect((await app.inject('/healthz')).statusCode).toBe(200);
  await app.close();
  await job.close();
});

async function expectError(request: InjectOptions | string, status: number, code: string, message?: RegExp) {
  const res = await app.inject(request);
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  if (message) expect(body.error.message).toMatch(message);
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json', ...headers },
  payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
});

describe('bad input', () => {
  it('unknown job → 404 RNR_ERR_JOB_NOT_FOUND', async () => {
    await expectError('/api/v1/jobs/nope', 404, 'RNR_ERR_JOB_NOT_FOUND', /nope/);
    await expectError('/api/v1/jobs/nope/tasks/deploy', 404, 'RNR_ERR_JOB_NOT_FOUND');
    await expectError('/api/v1/jobs/nope/events', 404, 'RNR_ERR_JOB_NOT_FOUND');
    await expectError(post('/api/v1/jobs/nope/tasks/deploy/skip', {}), 404, 'RNR_ERR_JOB_NOT_FOUND');
  });

  it('unknown task → 404 RNR_ERR_TASK_NOT_FOUND', async () => {
    await expectError(task('deploy/nope'), 404, 'RNR_ERR_TASK_NOT_FOUND', /deploy\/nope/);
    await expectError(
      post(task('deploy/nope', 'state'), { state: 'SKIPPED' }),
      404,
      'RNR_ERR_TASK_NOT_FOUND',
    );
    await expectError(post(task('deploy/nope', 'retry'), {}), 404, 'RNR_ERR_TASK_NOT_FOUND');
    // Deep trees have long ids: a 600-character id still reaches the route.
    await expectError(task(`deploy/${'x'.repeat(600)}`), 404, 'RNR_ERR_TASK_NOT_FOUND');
  });

  it('unknown route → 404 RNR_ERR_ROUTE_NOT_FOUND', async () => {
    await expectError('/api/v1/nothing', 404, 'RNR_ERR_ROUTE_NOT_FOUND');
    await expectError(post(task('deploy/soak', 'explode'), {}), 404, 'RNR_ERR_ROUTE_NOT_FOUND');
  });

  it('a bad state name → 400 RNR_ERR_INVALID_STATE naming it and the valid ones', async () => {
    await expectError(
      post(task('deploy/soak', 'state'), { state: 'DONE' }),
      400,
      'RNR_ERR_INVALID_STATE',
      /"DONE".*SUCCESS/,
    );
    await expectError(post(task('deploy/soak', 'state'), { state: 'skipped' }), 400, 'RNR_ERR_INVALID_STATE');
    await expectError(post(task('deploy/soak', 'state'), { state: 9 }), 400, 'RNR_ERR_INVALID_STATE');
  });

  it('wrong types, missing and unknown fields → 400', async () => {
    await expectError(post(task('deploy/soak', 'state'), { state: true }), 400, 'RNR_ERR_INVALID_STATE');
    await expectError(
      post(task('deploy/soak', 'state'), { state: 'SKIPPED', reason: 5 }),
      400,
      'RNR_ERR_BAD_REQUEST',
      /reason/,
    );
    await expectError(
      post(task('deploy/soak', 'state'), { state: 'SKIPPED', message: {} }),
      400,
      'RNR_ERR_BAD_REQUEST',
    );
    await expectError(post(task('deploy/soak', 'state'), {}), 400, 'RNR_ERR_BAD_REQUEST', /state/);
    await expectError(post(task('deploy/soak', 'state'), [1, 2]), 400, 'RNR_ERR_BAD_REQUEST');
    await expectError(
      post(task('deploy/soak', 'skip'), { reason: 'x', force: true }),
      400,
      'RNR_ERR_BAD_REQUEST',
      /force|additional/,
    );
    await expectError(post(task('deploy', 'parallelism'), {}), 400, 'RNR_ERR_BAD_REQUEST', /parallelism/);
    await expectError('/api/v1/jobs/deploy/events?since=abc', 400, 'RNR_ERR_BAD_REQUEST', /since/);
    await expectError(`${task('deploy')}?depth=-1`, 400, 'RNR_ERR_BAD_REQUEST', /depth/);
  });

  it('negative, zero or non-integer parallelism → 400 RNR_ERR_INVALID_PARALLELISM', async () => {
    for (const parallelism of [-1, 0, 1.5, '3', null]) {
      await expectError(
        post(task('deploy', 'parallelism'), { parallelism }),
        400,
        'RNR_ERR_INVALID_PARALLELISM',
      );
    }
  });

  it('malformed JSON → 400 RNR_ERR_MALFORMED_BODY', async () => {
    await expectError(
      post(task('deploy/soak', 'state'), '{"state": "SKIPPED"'),
      400,
      'RNR_ERR_MALFORMED_BODY',
    );
    await expectError(post(task('deploy/soak', 'skip'), ''), 400, 'RNR_ERR_MALFORMED_BODY');
  });

  it('malformed protobuf → 400 RNR_ERR_MALFORMED_BODY; a bad enum value → 400 RNR_ERR_INVALID_STATE', async () => {
    const proto = { 'content-type': PROTOBUF_MEDIA_TYPE };
    // Field 1 as a length-delimited string of 255 bytes, with only one byte following.
    await expectError(
      post(task('deploy/soak', 'state'), Buffer.from([0x0a, 0xff, 0x01, 0x41]), proto),
      400,
      'RNR_ERR_MALFORMED_BODY',
    );
    await expectError(
      post(task('deploy/soak', 'skip'), Buffer.from([0xff, 0xff, 0xff]), proto),
      400,
      'RNR_ERR_MALFORMED_BODY',
    );
    const bad = Buffer.from(encodeMessage('SetStateRequest', { state: 42 }));
    await expectError(post(task('deploy/soak', 'state'), bad, proto), 400, 'RNR_ERR_INVALID_STATE');
  });

  it('an oversized body → 413 RNR_ERR_BODY_TOO_LARGE', async () => {
    const huge = { state: 'SKIPPED', message: 'x'.repeat(10_000) };
    await expectError(post(task('deploy/soak', 'state'), huge), 413, 'RNR_ERR_BODY_TOO_LARGE');
  });

  it('an unsupported content type → 415 RNR_ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = post(task('deploy/soak', 'skip'), 'reason=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    await expectError(res, 415, 'RNR_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('an action the task cannot take → 409 with the engine code', async () => {
    await expectError(post(task('deploy/soak', 'approve'), {}), 409, 'RNR_ERR_NOT_ACTION_PENDING');
    await expectError(
      post(task('deploy/soak', 'parallelism'), { parallelism: 2 }),
      409,
      'RNR_ERR_NOT_NESTED',
    );
  });
});

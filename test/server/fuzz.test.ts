import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { encodeMessage, PROTOBUF_MEDIA_TYPE } from '../../src/server/index.js';
import { operatorOps } from '../../src/wire/names.js';
import { deployJob, server } from './fixtures.js';

let job: Job;
let app: FastifyInstance;
beforeAll(async () => {
  job = deployJob();
  await job.tick();
  app = server([job], { bodyLimit: 8192 });
});
afterAll(async () => {
  await app.close();
  await job.close();
});

const taskIds = ['deploy', 'deploy/build', 'deploy/gate', 'deploy/soak', 'deploy/zone', 'deploy/zone/vm-1'];
const jobId = fc.oneof(fc.constant('deploy'), fc.string({ maxLength: 12 }));
const taskId = fc.oneof(fc.constantFrom(...taskIds), fc.string({ maxLength: 20 }));
const routes = fc.oneof(
  fc.record({
    method: fc.constant('GET'),
    path: fc.constantFrom('', '/events', '/events?since=3', '/tasks/:task'),
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constantFrom(...operatorOps.map((op) => `/tasks/:task/${op}`), '/tasks/:task'),
  }),
);
const jsonBodies = fc.oneof(
  fc.record(
    {
      state: fc.oneof(fc.constantFrom('SKIPPED', 'RUNNING', 'FAILED', 'BOGUS', 3, -1), fc.anything()),
      parallelism: fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double(), fc.string()),
      message: fc.oneof(fc.string(), fc.anything()),
      reason: fc.oneof(fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const bodies = fc.oneof(
  jsonBodies.map((value) => ({ type: 'application/json', payload: JSON.stringify(value) ?? 'null' })),
  fc.string().map((text) => ({ type: 'application/json', payload: text })),
  fc
    .uint8Array({ maxLength: 64 })
    .map((bytes) => ({ type: PROTOBUF_MEDIA_TYPE, payload: Buffer.from(bytes) })),
  fc
    .record({
      state: fc.integer({ min: 0, max: 9 }),
      parallelism: fc.integer({ min: 0, max: 4 }),
      reason: fc.string(),
    })
    .map((m) => ({ type: PROTOBUF_MEDIA_TYPE, payload: Buffer.from(encodeMessage('SetStateRequest', m)) })),
  fc
    .tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', ''), fc.string())
    .map(([type, payload]) => ({ type, payload })),
  fc.constant(undefined),
);
const accepts = fc.constantFrom(
  undefined,
  'application/json',
  PROTOBUF_MEDIA_TYPE,
  '*/*',
  'text/html',
  'image/*;q=0',
);

describe('random requests (fast-check)', () => {
  it('never answer 5xx, always answer the error body, and change the job only when valid', async () => {
    await fc.assert(
      fc.asyncProperty(jobId, taskId, routes, bodies, accepts, async (jobName, task, route, body, accept) => {
        const url = `/api/v1/jobs/${encodeURIComponent(jobName)}${route.path.replace(':task', encodeURIComponent(task))}`;
        const seq = job.seq;
        const before = JSON.stringify(job.snapshot());
        const res = await app.inject({
          method: route.method as 'GET' | 'POST',
          url,
          headers: { ...(accept && { accept }), ...(body?.type && { 'content-type': body.type }) },
          ...(body && route.method === 'POST' && { payload: body.payload }),
        });
        expect(res.statusCode, `${route.method} ${url} → ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) {
          expect(job.seq).toBe(seq);
          expect(JSON.stringify(job.snapshot())).toBe(before);
          if (String(res.headers['content-type']).startsWith('application/json')) {
            expect(res.json()).toEqual({
              error: { code: expect.stringMatching(/^RNR_ERR_/), message: expect.any(String) },
            });
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('answer every random socket frame exactly once, changing the job only on ok', async () => {
    await app.ready();
    const socket = await app.injectWS(`/api/v1/jobs/deploy/events?since=${job.seq}`);
    const replies: Array<Record<string, unknown>> = [];
    let wake: (() => void) | undefined;
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if ('ok' in message || 'error' in message) {
        replies.push(message);
        wake?.();
      }
    });
    const frame = fc.oneof(
      fc
        .record(
          {
            id: fc.oneof(fc.integer(), fc.string()),
            op: fc.oneof(fc.constantFrom(...operatorOps, 'hello'), fc.string()),
            task: taskId,
            state: fc.oneof(fc.constantFrom('SKIPPED', 'RUNNING', 'NOPE'), fc.anything()),
            parallelism: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.anything()),
            reason: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((command) => JSON.stringify(command)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        const seq = job.seq;
        const count = replies.length;
        const replied = new Promise<void>((resolve) => {
          wake = resolve;
        });
        socket.send(text);
        await replied;
        expect(replies.length).toBe(count + 1);
        const reply = replies.at(-1) ?? {};
        if ('error' in reply) {
          expect(reply.error).toEqual({
            code: expect.stringMatching(/^RNR_ERR_/),
            message: expect.any(String),
          });
          expect(job.seq).toBe(seq);
        }
      }),
      { numRuns: 500 },
    );
    socket.terminate();
  });
});

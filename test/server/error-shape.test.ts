// Every error the server answers, the framework's own included, has the shape
// { error: { code: 'RNR_ERR_…', message } } with a code from src/errors.ts (and so docs/errors.md).
import { connect as tcpConnect } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, type Job } from '../../src/index.js';
import { connect, deployJob, listening } from './fixtures.js';

let job: Job;
let app: FastifyInstance;
let base: { http: string; ws: string; port: number };
beforeAll(async () => {
  job = deployJob();
  await job.tick();
  const served = await listening({ jobs: [job], bodyLimit: 1024 });
  app = served.app;
  base = { http: served.http, ws: served.ws, port: Number(new URL(served.http).port) };
});
afterAll(async () => {
  await app.close();
  await job.close();
});

function expectShape(status: number, body: string, expected: { status: number; code: string }, what: string) {
  expect(status, `${what}: ${body}`).toBe(expected.status);
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  expect(parsed, what).toEqual({ error: { code: expected.code, message: expect.any(String) } });
  expect(Object.hasOwn(errorCodes, parsed.error.code), `${parsed.error.code} is in src/errors.ts`).toBe(true);
  expect(errorCodes[parsed.error.code as keyof typeof errorCodes].status).toBe(status);
  expect(parsed.error.message.length).toBeGreaterThan(10);
}

const post = (url: string, type: string, payload: string): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': type },
  payload,
});

const cases: Array<[string, InjectOptions | string, number, string]> = [
  ['bad percent-encoding', '/api/v1/jobs/deploy/tasks/%ZZ', 400, 'RNR_ERR_BAD_URL'],
  ['bad percent-encoding (web view)', '/jobs/%E0%A4%A', 400, 'RNR_ERR_BAD_URL'],
  ['a 2,049-character id', `/api/v1/jobs/deploy/tasks/${'x'.repeat(2049)}`, 414, 'RNR_ERR_URL_TOO_LONG'],
  ['an unknown path', '/api/v1/nothing', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['an unknown method', { method: 'DELETE', url: '/api/v1/jobs/deploy' }, 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['OPTIONS', { method: 'OPTIONS', url: '/api/v1/jobs' }, 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['a missing asset', '/assets/nope.js', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['the assets directory', '/assets/', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['an unknown statechart', '/ui/machines/nope.json', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
  ['an unknown job', '/api/v1/jobs/nope', 404, 'RNR_ERR_JOB_NOT_FOUND'],
  [
    'a body over the limit',
    post(
      '/api/v1/jobs/deploy/tasks/deploy/pause',
      'application/json',
      JSON.stringify({ reason: 'x'.repeat(2000) }),
    ),
    413,
    'RNR_ERR_BODY_TOO_LARGE',
  ],
  [
    'text/plain',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', 'text/plain', '{}'),
    415,
    'RNR_ERR_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a form',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', 'application/x-www-form-urlencoded', 'a=1'),
    415,
    'RNR_ERR_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a bad Content-Type',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', '%%%', '{}'),
    415,
    'RNR_ERR_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'JSON that does not parse',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', 'application/json', '{x'),
    400,
    'RNR_ERR_MALFORMED_BODY',
  ],
  [
    'an empty JSON body',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', 'application/json', ''),
    400,
    'RNR_ERR_MALFORMED_BODY',
  ],
  [
    'a __proto__ key',
    post('/api/v1/jobs/deploy/tasks/deploy/pause', 'application/json', '{"__proto__":{}}'),
    400,
    'RNR_ERR_MALFORMED_BODY',
  ],
  ['a bad query', '/api/v1/jobs/deploy/events?since=-1', 400, 'RNR_ERR_BAD_REQUEST'],
  [
    'an Accept the API cannot answer',
    { url: '/api/v1/jobs', headers: { accept: 'text/csv' } },
    406,
    'RNR_ERR_NOT_ACCEPTABLE',
  ],
  [
    'another origin',
    { url: '/api/v1/jobs', headers: { origin: 'https://evil.example' } },
    403,
    'RNR_ERR_FORBIDDEN',
  ],
];

describe('every error has the API error shape', () => {
  it.each(cases)('%s', async (what, request, status, code) => {
    const res = await app.inject(request);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectShape(res.statusCode, res.body, { status, code }, what);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it.each([
    ['an unknown job', '/api/v1/jobs/nope/events', 404, 'RNR_ERR_JOB_NOT_FOUND'],
    ['a route without a socket', '/api/v1/jobs', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
    ['the web view', '/', 404, 'RNR_ERR_ROUTE_NOT_FOUND'],
    ['a bad query', '/api/v1/jobs/deploy/events?since=x', 400, 'RNR_ERR_BAD_REQUEST'],
    ['bad percent-encoding', '/api/v1/jobs/%ZZ/events', 400, 'RNR_ERR_BAD_URL'],
  ] as const)('refuses a socket upgrade to %s with the shape', async (what, path, status, code) => {
    let answer: { status: number; body: string } | undefined;
    const { WebSocket } = await import('ws');
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(`${base.ws}${path}`);
      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, body };
          resolve();
        });
      });
      socket.on('open', () => {
        socket.terminate();
        resolve();
      });
      socket.on('error', () => resolve());
    });
    expect(answer, `${what} was upgraded`).toBeDefined();
    expectShape(answer?.status ?? 0, answer?.body ?? '', { status, code }, what);
  });

  it.each([
    ['a malformed request line', 'BLAH\r\n\r\n', 400, 'RNR_ERR_BAD_REQUEST'],
    [
      'headers over the limit',
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
      431,
      'RNR_ERR_HEADERS_TOO_LARGE',
    ],
  ] as const)('answers %s (refused by the HTTP parser) with the shape', async (what, raw, status, code) => {
    const text = await new Promise<string>((resolve) => {
      const socket = tcpConnect(base.port, '127.0.0.1', () => socket.write(raw));
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    const [head = '', body = ''] = text.split('\r\n\r\n');
    expect(head).toMatch(/content-type: application\/json/i);
    expectShape(Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), body, { status, code }, what);
  });

  it('still serves sockets and the API afterwards', async () => {
    const client = await connect(`${base.ws}/api/v1/jobs/deploy/events?since=${job.seq}`);
    client.socket.close();
  });
});

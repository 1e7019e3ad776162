// Names that are properties of every plain object (`constructor`, `__proto__`, `toString`…) are
// ordinary ids to rnr: in any path segment, query key, body field or socket frame, on every route,
// they answer a clear 4xx (or 200 where they name nothing special), never a 500, and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { deployJob } from './fixtures.js';
import { serverWithRoutes } from './routes.js';

const names = [
  'constructor',
  '__proto__',
  'toString',
  'toString.json',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__lookupSetter__',
  'prototype',
  'constructor.json',
];

let job: Job;
beforeAll(async () => {
  job = deployJob();
  await job.tick();
});
afterAll(() => job.close());

function expectErrorBody(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  what: string,
) {
  expect(res.statusCode, `${what} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
  if (
    res.statusCode >= 400 &&
    res.body !== '' &&
    String(res.headers['content-type']).startsWith('application/json')
  ) {
    expect(JSON.parse(res.body), what).toEqual({
      error: { code: expect.stringMatching(/^RNR_ERR_/), message: expect.any(String) },
    });
  }
}

describe('prototype names', () => {
  it('in every path parameter of every route: never a 500, the job untouched', async () => {
    const before = JSON.stringify(job.snapshot());
    for (const name of names) {
      const value = encodeURIComponent(name);
      const { app, calls } = await serverWithRoutes(
        { jobs: [job] },
        { job: value, task: value, name: value, workflow: value, '*': value },
      );
      for (const { method, url, route } of calls) {
        expectErrorBody(await app.inject({ method, url }), `${method} ${url}`);
        if (route.includes(':task')) {
          // The real job with a prototype-named task: an unknown task, not a crash.
          const real = url.replace(`/jobs/${value}`, '/jobs/deploy');
          expectErrorBody(await app.inject({ method, url: real }), `${method} ${real}`);
        }
      }
      await app.close();
    }
    expect(JSON.stringify(job.snapshot())).toBe(before);
  });

  it('the statechart route answers 404 for them and the chart for real names', async () => {
    const { app } = await serverWithRoutes(
      { jobs: [job] },
      { job: 'x', task: 'x', name: 'x', workflow: 'x', '*': 'x' },
    );
    for (const name of names) {
      const res = await app.inject(`/ui/machines/${encodeURIComponent(name)}`);
      expect(res.statusCode, name).toBe(404);
      expect(res.json().error.code).toBe('RNR_ERR_ROUTE_NOT_FOUND');
    }
    expect((await app.inject('/ui/machines/task.json')).statusCode).toBe(200);
    await app.close();
  });

  it('as query keys, body fields, header values and socket frames', async () => {
    const before = JSON.stringify(job.snapshot());
    const { app, calls } = await serverWithRoutes(
      { jobs: [job] },
      {
        job: 'deploy',
        task: encodeURIComponent('deploy/soak'),
        name: 'task.json',
        workflow: 'deploy',
        '*': 'x',
      },
    );
    const query = names.map((n) => `${encodeURIComponent(n)}=${encodeURIComponent(n)}`).join('&');
    const bodies = [
      ...names.map((n) => `{"${n}":{"state":"SKIPPED"}}`),
      ...names.map((n) => `{"state":"${n}"}`),
      ...names.map((n) => `{"parallelism":"${n}"}`),
      ...names.map((n) => `{"reason":{"${n}":1}}`),
    ];
    for (const { method, url } of calls) {
      if (method === 'POST') {
        for (const payload of bodies) {
          const res = await app.inject({
            method,
            url: `${url}?${query}`,
            headers: { 'content-type': 'application/json', 'x-rnr-actor': '__proto__' },
            payload,
          });
          expectErrorBody(res, `${method} ${url} ${payload}`);
          expect(res.statusCode, `${url} ${payload}`).toBeGreaterThanOrEqual(400);
        }
        continue;
      }
      expectErrorBody(await app.inject({ method, url: `${url}?${query}` }), `${method} ${url}?…`);
      expectErrorBody(
        await app.inject({ method, url: `${url}?since[__proto__]=1&depth[constructor]=2` }),
        url,
      );
    }
    expect(JSON.stringify(job.snapshot())).toBe(before);

    const socket = await app.injectWS(`/api/v1/jobs/deploy/events?since=${job.seq}&actor=__proto__`);
    const replies: Array<Record<string, unknown>> = [];
    const frames = names.flatMap((n) => [
      { id: n, op: n, task: 'deploy/soak' },
      { id: n, op: 'skip', task: n },
      { id: n, op: 'state', task: 'deploy/soak', state: n },
      { id: n, op: 'parallelism', task: 'deploy', parallelism: n },
      { id: n, op: 'pause', task: 'deploy', [n]: 1 },
    ]);
    const done = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        replies.push(JSON.parse(data.toString()));
        if (replies.length === frames.length + 1) resolve();
      }),
    );
    for (const frame of frames) socket.send(JSON.stringify(frame));
    socket.send('{"__proto__":{"op":"skip","task":"deploy"}}');
    await done;
    for (const reply of replies) {
      expect(reply.error, JSON.stringify(reply)).toEqual({
        code: expect.stringMatching(
          /^RNR_ERR_(BAD_REQUEST|TASK_NOT_FOUND|INVALID_STATE|INVALID_PARALLELISM|MALFORMED_BODY)$/,
        ),
        message: expect.any(String),
      });
    }
    socket.terminate();
    expect(JSON.stringify(job.snapshot())).toBe(before);
    await app.close();
  });
});

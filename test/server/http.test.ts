import { describe, expect, it } from 'vitest';
import { EventCause, TaskState } from '../../src/index.js';
import { createJobRegistry, createServer } from '../../src/server/index.js';
import { isLoopback } from '../../src/server/listen-guard.js';
import { jobToJson, taskToJson } from '../../src/wire/encode.js';
import { closeAfterEach, listening, server } from './fixtures.js';

const enc = encodeURIComponent;
const closers = closeAfterEach();
const { started } = closers;

describe('Control API over HTTP (inject)', () => {
  it('lists jobs with the root state and counts by state name', async () => {
    const job = await started();
    const res = await server([job]).inject('/api/v1/jobs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const [summary] = res.json().jobs;
    expect(summary).toMatchObject({ id: 'deploy', name: 'deploy', state: 'RUNNING', seq: job.seq });
    expect(summary.counts).toMatchObject({ RUNNING: expect.any(Number), PENDING: expect.any(Number) });
    expect(Object.keys(summary.counts)).toContain('ACTION_PENDING');
  });

  it('answers a job as the proto3 JSON mapping of its snapshot, states by name', async () => {
    const job = await started();
    const res = await server([job]).inject('/api/v1/jobs/deploy');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual(JSON.parse(JSON.stringify(jobToJson(job.snapshot()))));
    expect(body.root).toMatchObject({ id: 'deploy', kind: 'NESTED', state: 'RUNNING', parallelism: 2 });
    expect(body.root.children.map((t: { state: string }) => t.state)).toEqual([
      'RUNNING',
      'ACTION_PENDING',
      'PENDING',
      'PENDING',
    ]);
  });

  it('answers one task by its URL-encoded id, with children to ?depth', async () => {
    const job = await started();
    const app = server([job]);
    const leaf = await app.inject(`/api/v1/jobs/deploy/tasks/${enc('deploy/gate')}`);
    expect(leaf.statusCode).toBe(200);
    expect(leaf.json()).toMatchObject({
      id: 'deploy/gate',
      state: 'ACTION_PENDING',
      message: 'waiting',
      kind: 'CALLBACK',
    });
    const zone = await app.inject(`/api/v1/jobs/deploy/tasks/${enc('deploy/zone')}?depth=0`);
    expect(zone.json()).toMatchObject({ id: 'deploy/zone', kind: 'NESTED', children: [] });
    const full = await app.inject(`/api/v1/jobs/deploy/tasks/${enc('deploy/zone')}`);
    expect(full.json().children.map((t: { id: string }) => t.id)).toEqual([
      'deploy/zone/vm-1',
      'deploy/zone/vm-2',
    ]);
  });

  it('sets a state, answers the updated task and records actor and reason', async () => {
    const job = await started();
    const res = await server([job]).inject({
      method: 'POST',
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/soak')}/state`,
      headers: { 'x-rnr-actor': 'alice' },
      payload: { state: 'SKIPPED', message: 'not needed', reason: 'INC-42' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'deploy/soak', state: 'SKIPPED' });
    expect(job.getTask('deploy/soak').state).toBe(TaskState.SKIPPED);
    const event = (await job.events(0)).find(
      (e) => e.taskId === 'deploy/soak' && e.cause === EventCause.OPERATOR,
    );
    expect(event).toMatchObject({ actor: 'alice', reason: 'INC-42', to: TaskState.SKIPPED, action: 'state' });
  });

  it('runs every operator action, falling back to the anonymous actor', async () => {
    const job = await started();
    const app = server([job]);
    const post = (task: string, op: string, payload?: object) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/jobs/deploy/tasks/${enc(task)}/${op}`,
        ...(payload && { payload }),
      });

    expect((await post('deploy/gate', 'approve', { reason: 'looks good' })).json()).toMatchObject({
      state: 'RUNNING',
      approval: { by: 'anonymous' },
    });
    expect((await post('deploy/zone', 'pause')).json()).toMatchObject({ paused: true });
    expect((await post('deploy/zone', 'resume', {})).json()).toMatchObject({ paused: false });
    expect((await post('deploy', 'parallelism', { parallelism: 3 })).json()).toMatchObject({
      parallelism: 3,
    });
    expect((await post('deploy/soak', 'skip')).json()).toMatchObject({ state: 'SKIPPED' });
    expect((await post('deploy/soak', 'retry', { reason: 'again' })).json()).toMatchObject({
      state: 'PENDING',
      attempt: 1,
    });

    const operator = (await job.events(0)).filter((e) => e.cause === EventCause.OPERATOR);
    expect(operator.map((e) => e.action)).toEqual([
      'approve',
      'pause',
      'resume',
      'parallelism',
      'skip',
      'retry',
    ]);
    expect(operator.every((e) => e.actor === 'anonymous')).toBe(true);
    expect(operator.at(-1)?.reason).toBe('again');
  });

  it('answers the event log after ?since as JSON', async () => {
    const job = await started();
    const app = server([job]);
    const all = (await app.inject('/api/v1/jobs/deploy/events')).json().events;
    expect(all.map((e: { seq: number }) => e.seq)).toEqual((await job.events(0)).map((e) => e.seq));
    expect(all[0]).toMatchObject({
      seq: 1,
      jobId: 'deploy',
      from: expect.any(String),
      cause: expect.any(String),
    });
    const later = (await app.inject('/api/v1/jobs/deploy/events?since=2&limit=1')).json().events;
    expect(later.map((e: { seq: number }) => e.seq)).toEqual([3]);
  });

  it('writes an audit line for every operator action, accepted or refused', async () => {
    const job = await started();
    const lines: Array<{ audit?: Record<string, unknown> }> = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    const app = server([job], { logger: { level: 'info', stream } });
    const headers = { 'x-rnr-actor': 'frank' };
    await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/soak')}/skip`,
      headers,
      payload: { reason: 'why' },
    });
    await app.inject({
      method: 'POST',
      url: `/api/v1/jobs/deploy/tasks/${enc('deploy/soak')}/approve`,
      headers,
    });
    const audit = lines.flatMap((line) => (line.audit ? [line.audit] : []));
    expect(audit).toEqual([
      expect.objectContaining({
        job: 'deploy',
        task: 'deploy/soak',
        op: 'skip',
        actor: 'frank',
        reason: 'why',
        ok: true,
      }),
      expect.objectContaining({ op: 'approve', actor: 'frank', ok: false, error: expect.any(String) }),
    ]);
  });

  it('knows loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', '::ffff:10.0.0.1'])
      expect(isLoopback(host)).toBe(false);
  });

  it('serves jobs added to the registry while it runs', async () => {
    const jobs = createJobRegistry();
    const app = createServer({ jobs });
    expect((await app.inject('/api/v1/jobs')).json()).toEqual({ jobs: [] });
    const job = await started();
    app.rnr.jobs.add(job);
    expect((await app.inject('/api/v1/jobs/deploy')).statusCode).toBe(200);
    expect(() => jobs.add(job)).toThrow(expect.objectContaining({ code: 'RNR_ERR_JOB_EXISTS' }));
    jobs.remove('deploy');
    expect((await app.inject('/api/v1/jobs/deploy')).json().error.code).toBe('RNR_ERR_JOB_NOT_FOUND');
  });

  it('serves /healthz, the OpenAPI document at /docs and the web view at /', async () => {
    const app = server([await started()]);
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok', jobs: 1 });
    const openapi = (await app.inject('/docs/json')).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/jobs',
        '/api/v1/jobs/{job}/tasks/{task}/state',
        '/api/v1/jobs/{job}/events',
      ]),
    );
    expect(Object.keys(openapi.components.schemas)).toEqual(
      expect.arrayContaining(['Task', 'Job', 'TaskEvent', 'SetStateRequest', 'ErrorResponse']),
    );
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
    // The web view's plugin answers `/` (503 with a how-to-build page when ui-dist is missing).
    const ui = await app.inject('/');
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('Control API over a real socket', () => {
  it('reads and acts over HTTP on 127.0.0.1', async () => {
    const job = await started();
    const { app, http } = await listening({ jobs: [job] });
    closers.push(() => app.close());
    const list = await fetch(`${http}/api/v1/jobs`);
    expect((await list.json()).jobs[0].id).toBe('deploy');
    const res = await fetch(`${http}/api/v1/jobs/deploy/tasks/${enc('deploy/zone/vm-1')}/skip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rnr-actor': 'bob' },
      body: JSON.stringify({ reason: 'bad host' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(taskToJson(job.getTask('deploy/zone/vm-1')))));
    expect((await job.events(0)).at(-1)).toMatchObject({
      actor: 'bob',
      reason: 'bad host',
      taskId: 'deploy/zone/vm-1',
    });
  });

  it('answers every route over a real socket', async () => {
    const job = await started();
    const { app, http } = await listening({ jobs: [job] });
    closers.push(() => app.close());
    const get = async (path: string) => {
      const res = await fetch(`${http}${path}`);
      expect(res.status, path).toBe(200);
      return res;
    };
    await get('/api/v1/jobs');
    expect((await (await get('/api/v1/jobs/deploy')).json()).root.id).toBe('deploy');
    expect((await (await get(`/api/v1/jobs/deploy/tasks/${enc('deploy/gate')}`)).json()).state).toBe(
      'ACTION_PENDING',
    );
    expect((await (await get('/api/v1/jobs/deploy/events?since=1')).json()).events[0].seq).toBe(2);
    await get('/healthz');
    await get('/metrics');
    await get('/docs/json');
    const post = async (task: string, op: string, body: object) => {
      const res = await fetch(`${http}/api/v1/jobs/deploy/tasks/${enc(task)}/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, `${op} ${task}`).toBe(200);
      return res.json();
    };
    expect(await post('deploy/gate', 'approve', {})).toMatchObject({ state: 'RUNNING' });
    expect(await post('deploy/zone', 'pause', {})).toMatchObject({ paused: true });
    expect(await post('deploy/zone', 'resume', {})).toMatchObject({ paused: false });
    expect(await post('deploy', 'parallelism', { parallelism: 4 })).toMatchObject({ parallelism: 4 });
    expect(await post('deploy/soak', 'state', { state: 'FAILED', message: 'm' })).toMatchObject({
      state: 'FAILED',
    });
    expect(await post('deploy/soak', 'retry', {})).toMatchObject({ state: 'PENDING', attempt: 1 });
    expect(await post('deploy/soak', 'skip', {})).toMatchObject({ state: 'SKIPPED' });
  });

  it('refuses to listen beyond loopback without a token, and says how to set one', async () => {
    const app = createServer({ jobs: [] });
    closers.push(() => app.close());
    await expect(app.listen({ host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'RNR_ERR_INSECURE_LISTEN',
      message: expect.stringMatching(/token/),
    });
    const secured = createServer({ jobs: [], token: 's3cret' });
    closers.push(() => secured.close());
    await secured.listen({ host: '0.0.0.0', port: 0 });
    expect(secured.server.listening).toBe(true);
  });
});

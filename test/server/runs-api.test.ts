import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callbackTask, memoryStore, nestedTask, RunTrigger, workflow } from '../../src/index.js';
import {
  type AuditRecord,
  createRunHost,
  createServer,
  decodeJobList,
  encodeMessage,
  type LocalRunHost,
} from '../../src/server/index.js';
import { TestClock } from '../../src/testing/index.js';
import { connect, deployJob, listening } from './fixtures.js';

const upgrade = workflow({
  name: 'upgrade',
  description: 'Upgrade the fleet',
  input: z.object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a version like 1.6.0'),
    batch: z.number().int().default(2),
  }),
  concurrency: 2,
  build: ({ version }) =>
    nestedTask({
      name: 'upgrade',
      children: [
        callbackTask({ name: 'gate', poll: ({ approval }) => (approval ? true : 'ACTION_PENDING') }),
        callbackTask({ name: `to ${version}`, poll: () => true }),
      ],
    }),
});

let hosts: LocalRunHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
});

function setup(options: { token?: string; viewerToken?: string } = {}) {
  const audit: AuditRecord[] = [];
  const runs = createRunHost({
    workflows: [upgrade],
    store: memoryStore(),
    clock: new TestClock(),
    log: () => {},
  });
  hosts.push(runs);
  const app = createServer({ runs, audit: (r) => audit.push(r), ...options });
  return { app, runs, audit };
}

const start = (app: ReturnType<typeof createServer>, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/workflows/upgrade/runs', payload: body as object, headers });

describe('runs over the API', () => {
  it('GET /workflows lists each workflow with the JSON Schema of its input', async () => {
    const { app } = setup();
    const res = await app.inject({ url: '/api/v1/workflows' });
    expect(res.statusCode).toBe(200);
    const [wf] = res.json().workflows;
    expect(wf).toMatchObject({
      name: 'upgrade',
      description: 'Upgrade the fleet',
      concurrency: 2,
      keepRuns: 100,
      schedules: [],
    });
    expect(wf.inputSchema).toMatchObject({
      type: 'object',
      required: ['version'],
      properties: { version: { type: 'string' } },
    });
  });

  it('POST /workflows/:workflow/runs starts a run: 201 with its JobSummary, the actor as startedBy', async () => {
    const { app, audit } = setup();
    const res = await start(app, { input: { version: '1.6.0' } }, { 'x-rnr-actor': 'alice' });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/api/v1/jobs/upgrade-1');
    expect(res.json()).toMatchObject({
      id: 'upgrade-1',
      workflow: 'upgrade',
      run: 1,
      input: { version: '1.6.0', batch: 2 },
      trigger: 'API',
      startedBy: 'alice',
    });
    expect(audit).toMatchObject([
      { op: 'start', workflow: 'upgrade', job: 'upgrade-1', actor: 'alice', ok: true, status: 201 },
    ]);
    const job = await app.inject({ url: '/api/v1/jobs/upgrade-1' });
    expect(job.json()).toMatchObject({
      id: 'upgrade-1',
      workflow: 'upgrade',
      trigger: 'API',
      input: { version: '1.6.0' },
    });
  });

  it('refuses bad input with 400 listing each issue, an unknown workflow with 404; nothing starts', async () => {
    const { app } = setup();
    const bad = await start(app, { input: { version: 'latest', batch: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'RNR_ERR_INVALID_INPUT',
      issues: [
        { path: 'version', message: 'a version like 1.6.0' },
        { path: 'batch', message: expect.any(String) },
      ],
    });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/workflows/nope/runs', payload: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('RNR_ERR_WORKFLOW_UNKNOWN');
    const extra = await start(app, { input: { version: '1.0.0' }, other: 1 });
    expect(extra.statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/jobs' })).json().jobs).toEqual([]);
  });

  it('refuses a start beyond concurrency with 409 naming the runs in the way', async () => {
    const { app } = setup();
    expect((await start(app, { input: { version: '1.0.0' } })).statusCode).toBe(201);
    expect((await start(app, { input: { version: '1.0.1' } })).statusCode).toBe(201);
    const over = await start(app, { input: { version: '1.0.2' } });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('RNR_ERR_CONFLICT');
    expect(over.json().error.message).toMatch(/upgrade-1/);
    expect(over.json().error.message).toMatch(/upgrade-2/);
  });

  it('answers the same run to a retried request with the same Idempotency-Key', async () => {
    const { app } = setup();
    const headers = { 'idempotency-key': 'deploy-2026-01-01' };
    const first = await start(app, { input: { version: '1.0.0' } }, headers);
    const again = await start(app, { input: { version: '1.0.0' } }, headers);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect((await app.inject({ url: '/api/v1/jobs' })).json().jobs).toHaveLength(1);
    const badKey = await start(app, { input: { version: '1.0.0' } }, { 'idempotency-key': 'has space' });
    expect(badKey.statusCode).toBe(400);
  });

  it('needs the operator token to start or cancel a run', async () => {
    const { app } = setup({ token: 'op', viewerToken: 'view' });
    const viewer = await start(app, { input: { version: '1.0.0' } }, { authorization: 'Bearer view' });
    expect(viewer.statusCode).toBe(403);
    const operator = await start(app, { input: { version: '1.0.0' } }, { authorization: 'Bearer op' });
    expect(operator.statusCode).toBe(201);
    const cancel = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/upgrade-1/cancel',
      headers: { authorization: 'Bearer view' },
    });
    expect(cancel.statusCode).toBe(403);
  });

  it('GET /jobs pages runs newest first, filters by workflow and state, no nextPageToken on the last page', async () => {
    const { app } = setup();
    for (const version of ['1.0.0', '1.0.1']) await start(app, { input: { version } });
    await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/upgrade-1/cancel',
      payload: { reason: 'superseded' },
    });
    await start(app, { input: { version: '1.0.2' } });
    const first = (await app.inject({ url: '/api/v1/jobs?limit=2' })).json();
    expect(first.jobs.map((j: { id: string }) => j.id)).toEqual(['upgrade-3', 'upgrade-2']);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = (
      await app.inject({ url: `/api/v1/jobs?limit=2&pageToken=${encodeURIComponent(first.nextPageToken)}` })
    ).json();
    expect(second.jobs.map((j: { id: string }) => j.id)).toEqual(['upgrade-1']);
    expect(second.nextPageToken).toBeUndefined();
    const active = (await app.inject({ url: '/api/v1/jobs?state=ACTIVE&workflow=upgrade' })).json();
    expect(active.jobs.map((j: { id: string }) => j.id)).toEqual(['upgrade-3', 'upgrade-2']);
    const done = (await app.inject({ url: '/api/v1/jobs?state=DONE,FAILED' })).json();
    expect(done.jobs).toMatchObject([{ id: 'upgrade-1', state: 'SKIPPED' }]);
    const bad = await app.inject({ url: '/api/v1/jobs?state=NOPE' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/NOPE/);
  });

  it('POST /jobs/:job/cancel skips every unfinished task with the reason; a second cancel is 409', async () => {
    const { app, runs, audit } = setup();
    await start(app, { input: { version: '1.0.0' } });
    await runs.live('upgrade-1')?.tick();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/upgrade-1/cancel',
      payload: { reason: 'wrong version' },
      headers: { 'x-rnr-actor': 'bob' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'upgrade-1', state: 'SKIPPED' });
    const events = (await app.inject({ url: '/api/v1/jobs/upgrade-1/events' })).json().events;
    const cancels = events.filter((e: { action: string }) => e.action === 'cancel');
    expect(cancels.length).toBeGreaterThan(0);
    expect(
      cancels.every(
        (e: { actor: string; reason: string; cause: string; to: string }) =>
          e.actor === 'bob' && e.reason === 'wrong version' && e.cause === 'OPERATOR' && e.to === 'SKIPPED',
      ),
    ).toBe(true);
    const again = await app.inject({ method: 'POST', url: '/api/v1/jobs/upgrade-1/cancel' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/already ended SKIPPED/);
    expect(audit.map((r) => [r.op, r.ok])).toEqual([
      ['start', true],
      ['cancel', true],
      ['cancel', false],
    ]);
    expect((await app.inject({ method: 'POST', url: '/api/v1/jobs/nope/cancel' })).statusCode).toBe(404);
  });

  it('reads a run that has left memory from the store, and streams its log over a socket', async () => {
    const { app, runs } = setup();
    await start(app, { input: { version: '1.0.0' } });
    await runs.cancel('upgrade-1', { actor: 'bob' });
    await new Promise((r) => setImmediate(r));
    expect(runs.live('upgrade-1')).toBeUndefined();
    const job = (await app.inject({ url: '/api/v1/jobs/upgrade-1' })).json();
    expect(job.root).toMatchObject({ state: 'SKIPPED', children: [{ name: 'gate' }, { name: 'to 1.0.0' }] });
    const task = (
      await app.inject({ url: `/api/v1/jobs/upgrade-1/tasks/${encodeURIComponent('upgrade/gate')}` })
    ).json();
    expect(task.message).toBe('cancelled by bob');
    const served = await listening({ runs });
    try {
      const client = await connect(`${served.ws}/api/v1/jobs/upgrade-1/events?since=0`);
      const total = (await app.inject({ url: '/api/v1/jobs/upgrade-1/events' })).json().events.length;
      await client.next(total);
      expect(client.json().map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      client.socket.close();
    } finally {
      await served.app.close();
    }
  });

  it('speaks protobuf: a JobList with inputs, and a StartRunRequest', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows/upgrade/runs',
      payload: Buffer.from(encodeMessage('StartRunRequest', { input: { version: '2.0.0' } })),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.statusCode).toBe(201);
    const list = await app.inject({ url: '/api/v1/jobs', headers: { accept: 'application/x-protobuf' } });
    const [summary] = decodeJobList(list.rawPayload);
    expect(summary).toMatchObject({
      id: 'upgrade-1',
      input: { version: '2.0.0', batch: 2 },
      trigger: RunTrigger.API,
    });
  });

  it('is in the OpenAPI document', async () => {
    const { app } = setup();
    await app.ready();
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/workflows',
        '/api/v1/workflows/{workflow}/runs',
        '/api/v1/jobs/{job}/cancel',
      ]),
    );
  });
});

describe('a server of plain jobs', () => {
  it('keeps createServer({ jobs }) working; starts are 404, or 409 naming rnr serve when refused', async () => {
    const job = deployJob();
    const app = createServer({ jobs: [job] });
    expect((await app.inject({ url: '/api/v1/jobs' })).json().jobs.map((j: { id: string }) => j.id)).toEqual([
      'deploy',
    ]);
    expect((await app.inject({ url: '/api/v1/workflows' })).json()).toEqual({ workflows: [] });
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/workflows/deploy/runs', payload: {} })).statusCode,
    ).toBe(404);
    const refusing = createServer({ jobs: [job], refuseStarts: 'rnr run serves one run; use rnr serve' });
    const res = await refusing.inject({ method: 'POST', url: '/api/v1/workflows/deploy/runs', payload: {} });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'RNR_ERR_CONFLICT',
      message: expect.stringContaining('rnr serve'),
    });
    await job.close();
  });
});

import { describe, expect, it } from 'vitest';
import { callbackTask, createJob } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { closeAfterEach, connect, listening, server } from './fixtures.js';

const token = 'op-secret';
const viewerToken = 'view-secret';
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const closers = closeAfterEach();
const { started } = closers;

describe('auth', () => {
  it('needs the bearer token on every API call when one is set', async () => {
    const job = await started();
    const app = server([job], { token, viewerToken });
    const none = await app.inject('/api/v1/jobs');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json().error.code).toBe('RNR_ERR_UNAUTHORIZED');
    const wrong = await app.inject({ url: '/api/v1/jobs', headers: bearer('op-secreT') });
    expect(wrong.statusCode).toBe(401);
    const notBearer = await app.inject({ url: '/api/v1/jobs', headers: { authorization: `Basic ${token}` } });
    expect(notBearer.statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/jobs', headers: bearer(token) })).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: bearer(viewerToken) })).statusCode).toBe(200);
  });

  it('lets the viewer token read but not act (403), and leaves the job untouched', async () => {
    const job = await started();
    const app = server([job], { token, viewerToken });
    expect((await app.inject({ url: '/api/v1/jobs/deploy', headers: bearer(viewerToken) })).statusCode).toBe(
      200,
    );
    const seq = job.seq;
    const act = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/deploy/tasks/deploy/pause',
      headers: bearer(viewerToken),
      payload: {},
    });
    expect(act.statusCode).toBe(403);
    expect(act.json().error.code).toBe('RNR_ERR_FORBIDDEN');
    expect(job.seq).toBe(seq);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs/deploy/tasks/deploy/pause',
      headers: bearer(token),
    });
    expect(ok.json()).toMatchObject({ paused: true });
  });

  it('keeps /healthz, /docs and the web view open', async () => {
    const app = server([await started()], { token });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/docs/json')).statusCode).toBe(200);
    expect((await app.inject('/')).headers['content-type']).toMatch(/text\/html/);
  });

  it('checks the token on the socket upgrade (header or access_token), and viewers cannot command', async () => {
    const job = await started();
    const { app, ws } = await listening({ jobs: [job], token, viewerToken });
    closers.push(() => app.close());
    const url = `${ws}/api/v1/jobs/deploy/events?since=${job.seq}`;
    await expect(connect(url)).rejects.toThrow('HTTP 401');
    await expect(connect(url, bearer('nope'))).rejects.toThrow('HTTP 401');

    const viewer = await connect(`${url}&access_token=${viewerToken}`);
    viewer.socket.send(JSON.stringify({ id: 1, op: 'skip', task: 'deploy/soak' }));
    await viewer.next(1);
    expect(viewer.json()[0]).toMatchObject({ id: 1, error: { code: 'RNR_ERR_FORBIDDEN' } });
    viewer.socket.close();

    const operator = await connect(url, bearer(token));
    operator.socket.send(JSON.stringify({ id: 2, op: 'skip', task: 'deploy/soak' }));
    await operator.next(2);
    expect(operator.json()[1]).toEqual({ id: 2, ok: true });
    operator.socket.close();
  });

  it('without a token, answers only loopback hosts and same-origin sockets (no DNS rebinding, no cross-site socket)', async () => {
    const job = await started();
    const local = server([job]);
    const rebound = await local.inject({ url: '/api/v1/jobs', headers: { host: 'evil.example:7300' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().error.code).toBe('RNR_ERR_FORBIDDEN');
    for (const host of ['localhost:7300', '127.0.0.1:7300', '[::1]:7300', 'localhost']) {
      expect((await local.inject({ url: '/api/v1/jobs', headers: { host } })).statusCode).toBe(200);
    }
    const { app, ws, http } = await listening({ jobs: [job] });
    closers.push(() => app.close());
    const url = `${ws}/api/v1/jobs/deploy/events?since=${job.seq}`;
    await expect(connect(url, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const same = await connect(url, { origin: http });
    same.socket.close();
    // With a token, the token is the guard: any host may call.
    const secured = server([job], { token });
    const remote = await secured.inject({
      url: '/api/v1/jobs',
      headers: { host: 'rnr.internal', ...bearer(token) },
    });
    expect(remote.statusCode).toBe(200);
  });

  it('rejects bad token options at creation', () => {
    expect(() => createServer({ jobs: [], token: '' })).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_INVALID_OPTION' }),
    );
    expect(() => createServer({ jobs: [], viewerToken })).toThrow(/needs a token/);
    expect(() => createServer({ jobs: [], token, viewerToken: token })).toThrow(/differ/);
    expect(() => createServer({ jobs: {} as never })).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_INVALID_OPTION' }),
    );
    expect(() => createServer({ jobs: [], bodyLimit: -1 })).toThrow(/bodyLimit must be a positive integer/);
    expect(() => createServer({ jobs: [], maxSocketBuffer: 1.5 })).toThrow(/maxSocketBuffer/);
  });
});

describe('logs never carry the socket token', () => {
  it('masks access_token in logged request URLs', async () => {
    const { Writable } = await import('node:stream');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const job = createJob({
      id: 'quiet',
      name: 'quiet',
      root: callbackTask({ name: 'x', poll: () => undefined }),
    });
    const app = createServer({ jobs: [job], token: 's3cret-token', logger: { level: 'info', stream } });
    await app.inject({ url: '/api/v1/jobs/quiet/events?since=0&access_token=s3cret-token' });
    await app.close();
    const logged = lines.join('');
    expect(logged).toContain('access_token=[redacted]');
    expect(logged).not.toContain('s3cret-token');
  });
});

describe('GET /api/v1/whoami', () => {
  it('tells the caller its role: operator, viewer, or 401 without a token', async () => {
    const job = createJob({
      id: 'who',
      name: 'who',
      root: callbackTask({ name: 'x', poll: () => undefined }),
    });
    const app = createServer({ jobs: [job], token: 'op-token', viewerToken: 'view-token' });
    const as = (token?: string) =>
      app.inject({ url: '/api/v1/whoami', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await as('op-token')).json()).toEqual({ role: 'operator', tokenRequired: true });
    expect((await as('view-token')).json()).toEqual({ role: 'viewer', tokenRequired: true });
    expect((await as()).statusCode).toBe(401);
    await app.close();
    const open = createServer({ jobs: [job] });
    expect((await open.inject({ url: '/api/v1/whoami' })).json()).toEqual({
      role: 'operator',
      tokenRequired: false,
    });
    await open.close();
  });
});

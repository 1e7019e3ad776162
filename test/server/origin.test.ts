// Cross-origin requests (a web page steering the server) are refused on every route, with a token
// or without, HTTP and WebSocket alike; the web view, the CLI (no Origin) and curl keep working.
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/create-server.js';
import { closeAfterEach, connect, listening } from './fixtures.js';
import { serverWithRoutes } from './routes.js';

const token = 'op-secret';
const closers = closeAfterEach();
const { started } = closers;

const params = {
  job: 'deploy',
  task: encodeURIComponent('deploy/soak'),
  name: 'task.json',
  workflow: 'deploy',
  '*': 'x',
};
const host = '127.0.0.1:7300';
const hostile: Array<[string, Record<string, string>]> = [
  ['another site', { origin: 'https://evil.example' }],
  ['another port of the same host', { origin: 'http://127.0.0.1:8123' }],
  ['another loopback name', { origin: 'http://localhost:7300' }],
  ['the same host over https', { origin: 'https://127.0.0.1:7300' }],
  ['an opaque origin', { origin: 'null' }],
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  [
    'a same-origin Origin with Sec-Fetch-Site: cross-site',
    { origin: `http://${host}`, 'sec-fetch-site': 'cross-site' },
  ],
];

describe('cross-origin requests', () => {
  for (const withToken of [false, true]) {
    it(`are refused 403 on every route ${withToken ? 'with' : 'without'} a token, body-less POSTs included, and change nothing`, async () => {
      const job = await started();
      const { app, calls } = await serverWithRoutes({ jobs: [job], ...(withToken && { token }) }, params);
      closers.push(() => app.close());
      expect(calls.length).toBeGreaterThan(20);
      const auth = withToken ? { authorization: `Bearer ${token}` } : {};
      const before = JSON.stringify(job.snapshot());
      for (const { method, url } of calls) {
        for (const [what, headers] of hostile) {
          const res = await app.inject({ method, url, headers: { host, ...auth, ...headers } });
          expect(res.statusCode, `${method} ${url} from ${what}`).toBe(403);
          if (method !== 'HEAD') expect(res.json().error.code, `${method} ${url}`).toBe('RNR_ERR_FORBIDDEN');
        }
      }
      expect(JSON.stringify(job.snapshot())).toBe(before);
      // The same requests from the server's own page, or with no browser headers at all, pass.
      for (const headers of [
        {},
        { origin: `http://${host}` },
        { 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'none' },
      ]) {
        for (const { method, url } of calls.filter((c) => c.method === 'GET')) {
          const res = await app.inject({ method, url, headers: { host, ...auth, ...headers } });
          expect(res.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).not.toBe(403);
        }
      }
      const own = await app.inject({
        method: 'POST',
        url: '/api/v1/jobs/deploy/tasks/deploy%2Fsoak/skip',
        headers: { host, ...auth, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      });
      expect(own.statusCode).toBe(200);
    });
  }

  it('refuses a socket upgrade from another origin, with or without a token', async () => {
    const job = await started();
    for (const options of [{}, { token }]) {
      const { app, ws, http } = await listening({ jobs: [job], ...options });
      closers.push(() => app.close());
      const url = `${ws}/api/v1/jobs/deploy/events?since=${job.seq}${'token' in options ? `&access_token=${token}` : ''}`;
      for (const origin of ['https://evil.example', 'http://localhost:1', 'null']) {
        await expect(connect(url, { origin })).rejects.toThrow('HTTP 403');
      }
      await expect(connect(url, { 'sec-fetch-site': 'same-site' })).rejects.toThrow('HTTP 403');
      const same = await connect(url, { origin: http });
      same.socket.close();
      const cli = await connect(url);
      cli.socket.close();
    }
  });

  it('without a token, answers only a loopback Host (no DNS rebinding), on every route', async () => {
    const job = await started();
    const { app, calls } = await serverWithRoutes({ jobs: [job] }, params);
    closers.push(() => app.close());
    for (const { method, url } of calls) {
      // The rebinding page's own origin matches its Host: only the Host check stops it.
      const res = await app.inject({
        method,
        url,
        headers: { host: 'evil.example:7300', origin: 'http://evil.example:7300' },
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    for (const name of [
      'localhost:7300',
      '127.0.0.1:7300',
      '127.1.2.3',
      '[::1]:7300',
      'localhost',
      'rnr.localhost:7300',
    ]) {
      expect((await app.inject({ url: '/api/v1/jobs', headers: { host: name } })).statusCode, name).toBe(200);
    }
    // With a token, the token is the guard: any Host may be used.
    const secured = createServer({ jobs: [job], token });
    closers.push(() => secured.close());
    const remote = await secured.inject({
      url: '/api/v1/jobs',
      headers: { host: 'rnr.internal', origin: 'http://rnr.internal', authorization: `Bearer ${token}` },
    });
    expect(remote.statusCode).toBe(200);
  });

  it('accepts the public origins of a proxy listed in origins, and checks the option', async () => {
    const job = await started();
    const app = createServer({ jobs: [job], token, origins: ['https://rnr.example.com'] });
    closers.push(() => app.close());
    const call = (origin: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/jobs/deploy/tasks/deploy%2Fsoak/pause',
        headers: { host: '127.0.0.1:7300', origin, authorization: `Bearer ${token}` },
      });
    expect((await call('https://rnr.example.com')).statusCode).toBe(200);
    expect((await call('https://evil.example')).statusCode).toBe(403);
    for (const bad of ['rnr.example.com', 'https://rnr.example.com/path', 'ftp://x', 42]) {
      expect(() => createServer({ jobs: [], origins: [bad as string] })).toThrow(
        expect.objectContaining({ code: 'RNR_ERR_INVALID_OPTION' }),
      );
    }
  });
});

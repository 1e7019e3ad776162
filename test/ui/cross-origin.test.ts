// A page of another origin (another local port) tries to steer a token-less server the ways a
// browser allows without CORS: no-cors fetch POSTs (body-less and with a text/plain body), form
// posts, and a WebSocket that sends a command. The server sees each attempt and refuses it; the job
// does not change. The web view itself (same origin) still acts.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { callbackTask, createJob, type Job, nestedTask, TaskState } from '../../src/index.js';
import { createServer } from '../../src/server/create-server.js';
import { browserForFile } from './browser-fixture.js';
import { hasChromium } from './harness.js';

const browser = browserForFile();

function victimJob(): Job {
  return createJob({
    id: 'victim',
    name: 'victim',
    root: nestedTask({
      id: 'victim',
      name: 'victim',
      children: [
        callbackTask({
          id: 'victim/gate',
          name: 'gate',
          poll: ({ approval }) =>
            approval ? true : { state: TaskState.ACTION_PENDING, message: 'approve me' },
        }),
        callbackTask({ id: 'victim/soak', name: 'soak', poll: () => undefined }),
      ],
    }),
  });
}

/** The attacker's page: every request it makes aims at `target`; it titles itself "done" at the end. */
function attackPage(target: string): string {
  const task = (id: string, op: string) =>
    `${target}/api/v1/jobs/victim/tasks/${encodeURIComponent(id)}/${op}`;
  const forms = ['skip', 'pause']
    .map(
      (op, i) =>
        `<form id="f${i}" method="POST" action="${task('victim/soak', op)}" target="sink${i}" enctype="${i === 0 ? 'text/plain' : 'application/x-www-form-urlencoded'}"><input name="reason" value="form"></form><iframe name="sink${i}"></iframe>`,
    )
    .join('');
  return `<!doctype html><title>attacker</title>${forms}<script>
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    for (const [id, op] of [['victim/gate', 'approve'], ['victim/soak', 'skip'], ['victim', 'pause'], ['victim/soak', 'retry']]) {
      await fetch(${JSON.stringify(`${target}/api/v1/jobs/victim/tasks/`)} + encodeURIComponent(id) + '/' + op, { method: 'POST', mode: 'no-cors' }).catch(() => {});
    }
    await fetch(${JSON.stringify(task('victim/soak', 'state'))}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"state":"FAILED"}' }).catch(() => {});
    for (const i of [0, 1]) {
      const frame = document.querySelector('iframe[name=sink' + i + ']');
      const loaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
      document.getElementById('f' + i).submit();
      await Promise.race([loaded, wait(3000)]);
    }
    await new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(`${target.replace('http', 'ws')}/api/v1/jobs/victim/events?since=999999`)});
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, op: 'skip', task: 'victim' }));
      ws.onmessage = () => {};
      ws.onclose = resolve;
      ws.onerror = resolve;
      setTimeout(resolve, 3000);
    });
    document.title = 'done';
  })();
</script>`;
}

describe.skipIf(!hasChromium)('a page of another origin', () => {
  test('changes nothing: no-cors fetches, form posts and a socket are all refused', async () => {
    const job = victimJob();
    await job.tick();
    const app = createServer({ jobs: [job] });
    const seen: Array<{ method: string; url: string; status: number; origin?: string }> = [];
    app.addHook('onResponse', async (request, reply) => {
      seen.push({
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        origin: request.headers.origin,
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const attacker: Server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(`http://127.0.0.1:${port}`));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerPort = (attacker.address() as AddressInfo).port;
    const page = await browser().newPage();
    try {
      const before = JSON.stringify(job.snapshot());
      const seq = job.seq;
      // Same site, another port (Sec-Fetch-Site: same-site), then another site (cross-site).
      for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://localhost:${attackerPort}`]) {
        seen.length = 0;
        await page.goto(`${origin}/`);
        await page.waitForFunction(() => document.title === 'done', undefined, { timeout: 20_000 });
        const posts = seen.filter((s) => s.method === 'POST');
        // The requests did reach the server (the browser sent them), and each was refused.
        expect(posts.length, origin).toBeGreaterThanOrEqual(7);
        expect(posts.every((s) => s.status === 403)).toBe(true);
        const upgrade = seen.find((s) => s.url.includes('/events'));
        expect(upgrade?.status).toBe(403);
        await job.tick();
        expect(job.seq).toBe(seq);
        expect(JSON.stringify(job.snapshot())).toBe(before);
      }
      // The web view, on the server's own origin, still acts.
      await page.goto(`http://127.0.0.1:${port}/jobs/victim`);
      const status = await page.evaluate(async () => {
        const res = await fetch('/api/v1/jobs/victim/tasks/victim%2Fsoak/skip', { method: 'POST' });
        return res.status;
      });
      expect(status).toBe(200);
      expect(job.getTask('victim/soak').state).toBe(TaskState.SKIPPED);
    } finally {
      await page.close();
      await new Promise((resolve) => attacker.close(resolve));
      await app.close();
      await job.close();
    }
  }, 60_000);
});

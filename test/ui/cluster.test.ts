// The cluster page and run owners in a real browser, against the real createServer and a real run
// host on a store of one process (GET /cluster lists this one): the process's row, the stale mark,
// the owner column of the runs list and the owner line of a run's page.
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { callbackTask, memoryStore, workflow } from '../../src/index.js';
import { createRunHost, type LocalRunHost } from '../../src/runs/index.js';
import { browserForFile } from './browser-fixture.js';
import { hasChromium, type Served, serve } from './harness.js';

const browser = browserForFile();
let host: LocalRunHost;
let served: Served;
let page: Page;

/** A workflow whose one task keeps running, or (`done`) succeeds at its first poll. */
const wf = (name: string, done = false) =>
  workflow({
    name,
    build: () => callbackTask({ name: 'step', poll: () => (done ? true : { message: 'working' }) }),
  });

beforeAll(async () => {
  if (!hasChromium) return;
  const store = memoryStore();
  // A process that hosted `reindex` left a run of it behind: nobody here can take it.
  const before = createRunHost({
    workflows: [wf('reindex')],
    store,
    autoStart: false,
    log: () => {},
  });
  await before.start('reindex', {});
  await before.close();
  host = createRunHost({
    workflows: [wf('deploy'), wf('cleanup', true)],
    store,
    autoStart: false,
    log: () => {},
  });
  const done = (await host.start('cleanup', {})).summary.id;
  await host.live(done)?.tick();
  await host.start('deploy', {});
  await host.start('deploy', {});
  served = await serve({ runs: host } as never);
  page = await browser().newPage({ viewport: { width: 1280, height: 560 }, deviceScaleFactor: 1 });
}, 60_000);

afterAll(async () => {
  await page?.close();
  await served?.close();
  await host?.close();
});

describe.skipIf(!hasChromium)('the cluster in the web view', () => {
  test('the cluster page lists this process: host, pid, its workflows and the runs it owns', async () => {
    await page.goto(`${served.url}/runs`);
    await page.click('nav[aria-label=Main] a:text-is("Cluster")');
    await page.waitForURL('**/cluster');
    const row = page.locator('table.cluster tbody tr');
    await row.first().waitFor({ timeout: 5000 });
    expect(await row.count()).toBe(1);
    const id = (await host.list({ workflow: 'deploy' })).jobs[0]!.owner!.process;
    expect(await row.getAttribute('data-process')).toBe(id);
    expect(await row.locator('th code').textContent()).toBe(id.slice(0, 8));
    expect(await row.locator('td.host').textContent()).toBe(hostname());
    expect(await row.locator('td.pid').textContent()).toBe(String(process.pid));
    expect(await row.locator('td.workflows a').allTextContents()).toEqual(['cleanup', 'deploy']);
    expect(await row.locator('td.runs-count').textContent()).toBe('2');
    expect(await row.locator('td.heartbeat').textContent()).toMatch(/^(now|\ds ago)$/);
    expect(await row.getAttribute('data-stale')).toBeNull();
    expect(await page.title()).toBe('Cluster · rnr');

    // A process whose heartbeat is a minute old (on the server's clock, whatever the browser's
    // says: this answer's Date header) is marked stale.
    const stale = {
      id: 'f03b5a77-0000-4000-8000-000000000000',
      host: 'db-2',
      pid: 977,
      workflows: ['deploy'],
    };
    await page.route('**/api/v1/cluster', async (route) => {
      const now = Date.now();
      await route.fulfill({
        json: {
          processes: [{ ...stale, startedAt: now - 3_600_000, heartbeatAt: now - 60_000, runs: 0 }],
        },
      });
    });
    try {
      await page.reload();
      const staleRow = page.locator('tr[data-process^="f03b"]');
      await staleRow.waitFor({ timeout: 5000 });
      expect(await staleRow.getAttribute('data-stale')).toBe('true');
      expect(await staleRow.locator('td.heartbeat').textContent()).toMatch(/^(5\ds|1m0\ds) ago\s*stale$/);
    } finally {
      await page.unroute('**/api/v1/cluster');
    }
  });

  test('runs show their owner: a process, waiting for one, or none once finished', async () => {
    const id = (await host.list({ workflow: 'deploy' })).jobs[0]!.owner!.process;
    await page.goto(`${served.url}/runs`);
    const owner = (run: string) => page.locator(`tr[data-job-id="${run}"] td.owner`);
    await page.waitForSelector(`tr[data-job-id="deploy-2"] td.owner .owner-host`, { timeout: 5000 });
    expect(await owner('deploy-2').textContent()).toBe(`${id.slice(0, 8)} on ${hostname()}`);
    expect(await owner('deploy-1').getAttribute('data-owner')).toBe(id);
    expect(await owner('cleanup-1').textContent()).toBe('—');
    expect(await owner('reindex-1').textContent()).toBe('waiting for a process with workflow reindex');

    await page.goto(`${served.url}/jobs/deploy-1`);
    const line = page.locator('.run-facts .run-owner');
    await page.waitForSelector('.run-facts .run-owner:has-text("pid")', { timeout: 5000 });
    expect(await line.textContent()).toBe(
      `owned by ${id.slice(0, 8)} on ${hostname()} (pid ${process.pid}), epoch 1`,
    );
    await page.goto(`${served.url}/jobs/reindex-1`);
    await page.waitForSelector('.run-facts .run-owner .owner-waiting', { timeout: 5000 });
  });
});

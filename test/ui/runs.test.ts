// Runs in a real browser (Debian's chromium through playwright-core) against the real createServer
// and a real run host: start a run from the form generated from the input's JSON Schema, the
// validation errors by field, a workflow without a schema, the runs list (filters, pages, cancel),
// cancel from a run's page, and a viewer's disabled controls. One browser for the whole file.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { callbackTask, memoryStore, nestedTask, TaskState, workflow } from '../../src/index.js';
import { createRunHost, type LocalRunHost } from '../../src/runs/index.js';
import { ensureUiBuilt, hasChromium, launchBrowser, type Served, serve } from './harness.js';

let browser: Browser;
const opened: { page?: Page; served?: Served; host?: LocalRunHost }[] = [];

beforeAll(async () => {
  ensureUiBuilt();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const o of opened) {
    await o.page?.close();
    await o.served?.close();
    await o.host?.close();
  }
  await browser?.close();
});

const zones = ['eu-1', 'eu-2', 'us-1'];

/** A rollout with a typed input: zones are checked only on the server (a refine has no JSON Schema). */
const rollout = workflow({
  name: 'rollout',
  description: 'Upgrade the fleet zone by zone.',
  input: z.object({
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .describe('Version to roll out'),
    replicas: z.int().min(1).max(50).default(3),
    strategy: z.enum(['rolling', 'blue-green']).default('rolling'),
    dryRun: z.boolean().default(false),
    zones: z.array(z.string().refine((zone) => zones.includes(zone), 'unknown zone')).min(1),
  }),
  build: (input) =>
    nestedTask({
      name: 'rollout',
      children: input.zones.map((zone) =>
        callbackTask({ name: zone, poll: () => ({ message: `upgrading ${zone} to ${input.version}` }) }),
      ),
    }),
});

/** A workflow without an input schema. */
const cleanup = workflow({
  name: 'cleanup',
  description: 'Remove old artifacts.',
  build: () => callbackTask({ name: 'remove', poll: () => ({ message: 'removing' }) }),
});

/** Serves a run host of `rollout` and `cleanup` and opens a page at `path`. */
async function open(path: string, options: { token?: string; viewerToken?: string } = {}) {
  const host = createRunHost({
    workflows: [rollout, cleanup],
    store: memoryStore(),
    autoStart: false,
    log: () => {},
  });
  const served = await serve({ runs: host, ...options } as never);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  opened.push({ page, served, host });
  await page.goto(served.url + path);
  return { page, served, host };
}

describe.skipIf(!hasChromium)('runs in the web view', () => {
  test('an operator starts a run from the form (once, for a double click) and sees it run', async () => {
    const { page, host } = await open('/workflows/rollout');
    await page.waitForSelector('.start-form');
    // The form follows the schema: defaults filled, the enum a select, required fields marked.
    expect(await page.inputValue('[name=replicas]')).toBe('3');
    expect(await page.locator('select[name=strategy] option').allTextContents()).toEqual([
      'rolling',
      'blue-green',
    ]);
    expect(await page.locator('[data-field=version] .req').count()).toBe(1);
    expect(await page.locator('[data-field=version] .help').textContent()).toContain('Version to roll out');

    await page.fill('[name=version]', '1.6.0');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[0]"]', 'eu-1');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[1]"]', 'us-1');
    await page.selectOption('[name=strategy]', 'blue-green');
    const keys: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/workflows/rollout/runs'))
        keys.push(r.headers()['idempotency-key']);
    });
    await page.dblclick('.start-form button[type=submit]');
    await page.waitForURL('**/jobs/rollout-1');
    // Every request of one submission carries the same key (the button is also disabled meanwhile).
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);

    const { jobs } = await host.list({ workflow: 'rollout' });
    expect(jobs.map((j) => j.id)).toEqual(['rollout-1']);
    expect(jobs[0]).toMatchObject({
      input: {
        version: '1.6.0',
        replicas: 3,
        strategy: 'blue-green',
        dryRun: false,
        zones: ['eu-1', 'us-1'],
      },
      startedBy: 'web',
    });
    await page.waitForSelector('h1:text-is("rollout #1")');
    expect(await page.locator('.run-facts').textContent()).toContain('started by web via api');

    // It runs: the page follows the engine.
    await host.live('rollout-1')!.tick();
    await page.waitForSelector(`[role=treeitem][data-state="${TaskState.RUNNING}"]:has-text("eu-1")`);
    await page.waitForSelector('[role=treeitem] .msg:has-text("upgrading eu-1 to 1.6.0")');
  });

  test("the browser's checks and the server's issues are shown by the field they name", async () => {
    const { page, host } = await open('/workflows/rollout');
    await page.fill('[name=version]', 'latest');
    await page.fill('[name=replicas]', '99');
    await page.click('.start-form button[type=submit]');
    // Client-side: nothing sent, each problem under its field, focus on the first.
    await page.waitForSelector('[data-field=version] .field-error:has-text("does not match")');
    expect(await page.locator('[data-field=replicas] .field-error').textContent()).toContain('at most 50');
    expect(await page.locator('[data-field=zones] .field-error').textContent()).toContain('at least 1 item');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('version');
    expect(await page.getAttribute('[name=version]', 'aria-invalid')).toBe('true');

    // Fixed fields clear as they are edited; the zone check exists only on the server.
    await page.fill('[name=version]', '1.6.0');
    await page.fill('[name=replicas]', '5');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[0]"]', 'eu-1');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[1]"]', 'mars');
    expect(await page.locator('.field-error').count()).toBe(0);
    await page.click('.start-form button[type=submit]');
    await page.waitForSelector('[data-field=zones] .field-error:has-text("item 2: unknown zone")');
    expect((await host.list()).jobs).toEqual([]);
    expect(page.url()).toContain('/workflows/rollout');

    // The whole input as JSON: issues are listed at the top with their path.
    await page.check('[name=as-json]');
    const json = JSON.parse(await page.inputValue('textarea[name=input]'));
    expect(json).toEqual({
      version: '1.6.0',
      replicas: 5,
      strategy: 'rolling',
      dryRun: false,
      zones: ['eu-1', 'mars'],
    });
    await page.click('.start-form button[type=submit]');
    await page.waitForSelector('.form-issues li:has-text("zones[1]: unknown zone")');
    await page.fill('textarea[name=input]', JSON.stringify({ ...json, zones: ['eu-2'] }));
    await page.click('.start-form button[type=submit]');
    await page.waitForURL('**/jobs/rollout-1');
    expect((await host.summary('rollout-1')).input).toMatchObject({ zones: ['eu-2'], replicas: 5 });
  });

  test('a workflow without a schema starts with an optional JSON input', async () => {
    const { page, host } = await open('/workflows/cleanup');
    await page.waitForSelector('textarea[name=input]');
    expect(await page.locator('.start-form input').count()).toBe(0);
    await page.click('.start-form button[type=submit]');
    await page.waitForURL('**/jobs/cleanup-1');
    await page.goto(page.url().replace(/\/jobs\/.*/, '/workflows/cleanup'));
    await page.fill('textarea[name=input]', '{"older": "30d"');
    await page.waitForSelector('.json-status .error');
    await page.fill('textarea[name=input]', '{"older": "30d"}');
    await page.click('.start-form button[type=submit]');
    await page.waitForURL('**/jobs/cleanup-2');
    expect((await host.summary('cleanup-2')).input).toEqual({ older: '30d' });
  });

  test('the runs list filters by workflow and state, pages, and cancels a run', async () => {
    const { page, host } = await open('/runs');
    for (let k = 0; k < 52; k++) await host.start('cleanup', {});
    await host.start('rollout', { input: { version: '1.0.0', zones: ['eu-1'] }, startedBy: 'alice' });
    await host.cancel('cleanup-1', { actor: 'test', reason: 'done by hand' });

    // Newest first, 50 a page.
    await page.waitForSelector('tr[data-job-id="rollout-1"]');
    expect(await page.locator('table.runs tbody tr').first().getAttribute('data-job-id')).toBe('rollout-1');
    expect(await page.locator('tr[data-job-id="rollout-1"] .who').textContent()).toBe('alice');
    expect(await page.locator('table.runs tbody tr').count()).toBe(50);
    await page.click('.pager button:has-text("Older")');
    await page.waitForSelector('tr[data-job-id="cleanup-1"]');
    expect(await page.locator('table.runs tbody tr').count()).toBe(3);
    await page.click('.pager button:has-text("Newer")');
    await page.waitForSelector('tr[data-job-id="rollout-1"]');

    // Filters: by workflow, by state; they live in the URL.
    await page.selectOption('select[name=workflow]', 'rollout');
    await page.waitForFunction(() => document.querySelectorAll('table.runs tbody tr').length === 1);
    expect(page.url()).toContain('workflow=rollout');
    await page.selectOption('select[name=workflow]', '');
    await page.click('.chip[data-filter=DONE]');
    await page.waitForFunction(() => document.querySelectorAll('table.runs tbody tr').length === 1);
    await page.waitForSelector('tr[data-job-id="cleanup-1"][data-state="SKIPPED"]');
    expect(page.url()).toContain('state=DONE');
    await page.click('.chip[data-filter=DONE]');

    // Cancel from the list: a confirmation with a reason, then the run ends.
    await page.click('tr[data-job-id="rollout-1"] .cancel-run button');
    await page.fill('dialog[open] textarea[name=reason]', 'wrong version');
    await page.click('dialog[open] button[type=submit]');
    await expect
      .poll(async () => (await host.summary('rollout-1')).state, { timeout: 10_000 })
      .toBe(TaskState.SKIPPED);
    const events = await host.events('rollout-1', 0);
    expect(
      events
        .filter((e) => e.action === 'cancel')
        .every((e) => e.actor === 'web' && e.reason === 'wrong version'),
    ).toBe(true);
    await page.waitForSelector('tr[data-job-id="rollout-1"][data-state="SKIPPED"]');
    expect(await page.locator('tr[data-job-id="rollout-1"] .cancel-run').count()).toBe(0);
  });

  test("cancel from a run's page", async () => {
    const { page, host, served } = await open('/runs');
    const { summary } = await host.start('rollout', { input: { version: '1.0.0', zones: ['eu-1', 'eu-2'] } });
    await host.live(summary.id)!.tick();
    await page.goto(`${served.url}/jobs/${summary.id}`);
    await page.waitForSelector(`[role=treeitem][data-state="${TaskState.RUNNING}"]`);
    await page.click('.job-head .cancel-run button');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForSelector('.job-head .cancel-run .outcome.ok');
    await page.waitForSelector('.job-head .badge[data-state="SKIPPED"]');
    expect(await page.locator(`[role=treeitem][data-state="${TaskState.RUNNING}"]`).count()).toBe(0);
    expect(await page.locator('.job-head .cancel-run button').isDisabled()).toBe(true);
  });

  test('a viewer sees the form, the runs and the cancel buttons, all disabled', async () => {
    const { page, host, served } = await open('/workflows/rollout', {
      token: 'op-secret',
      viewerToken: 'view-secret',
    });
    await host.start('rollout', { input: { version: '1.0.0', zones: ['eu-1'] } });
    await page.fill('dialog[open] input[name=token]', 'view-secret');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForSelector('[data-access="viewer"]');
    await page.waitForSelector('.start-form [name=version]');
    await page.waitForSelector('tr[data-job-id="rollout-1"]');
    expect(await page.locator('.start-form :is(button, input, select, textarea):enabled').count()).toBe(0);
    expect(await page.locator('.cancel-run button:enabled').count()).toBe(0);
    await page.goto(`${served.url}/runs`);
    await page.waitForSelector('tr[data-job-id="rollout-1"] .cancel-run button:disabled');
    await page.goto(`${served.url}/jobs/rollout-1`);
    await page.waitForSelector('.job-head .cancel-run button:disabled');
  });
});

// The web view in a real browser (Debian's chromium through playwright-core) against the real
// createServer and real jobs driven by job.tick(). One browser for the whole file.
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { callbackTask, createJob, type Job, nestedTask, TaskState } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { browserForFile } from './browser-fixture.js';
import { bigJob, hasChromium, rolloutJob, type Served, serve, type World } from './harness.js';

const browser = browserForFile();
const opened: { page?: Page; served?: Served; job?: Job }[] = [];

afterAll(async () => {
  for (const o of opened) {
    await o.page?.close();
    await o.served?.close();
    await o.job?.close();
  }
});

/** Serves `job` and opens a page on it; closed after the file. */
async function open(job: Job, path: string, options: { token?: string; viewerToken?: string } = {}) {
  const served = await serve({ jobs: [job], ...options });
  const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
  opened.push({ page, served, job });
  await page.goto(served.url + path);
  return { page, served };
}

const row = (id: string, state?: TaskState) =>
  `[role=treeitem][data-task-id="${id}"]${state === undefined ? '' : `[data-state="${state}"]`}`;

async function tickUntil(job: Job, done: () => boolean, max = 30): Promise<void> {
  for (let k = 0; k < max && !done(); k++) await job.tick();
  expect(done()).toBe(true);
}

describe.skipIf(!hasChromium)('web view', () => {
  test('the tree renders a running job and follows it live', async () => {
    const world: World = new Map();
    const job = rolloutJob(world, 'render');
    await job.tick();
    const { page } = await open(job, '/jobs/render');
    await page.waitForSelector(row('render/canary/vm-1', TaskState.RUNNING));
    expect(await page.locator('[role=treeitem]').count()).toBe(job.summary().total);
    expect(await page.locator(`${row('render/canary/vm-1')} .msg`).textContent()).toContain('upgrading');
    // Colour is never alone: every state has a symbol and a name for assistive tech.
    expect(await page.locator(`${row('render/canary/vm-1')} .badge`).getAttribute('title')).toBe('Running');

    world.set('render/canary/vm-1', true);
    await tickUntil(job, () => job.getTask('render/staging/vm-2').state === TaskState.RUNNING);
    await page.waitForSelector(row('render/canary/vm-1', TaskState.SUCCESS));
    await page.waitForSelector(row('render/staging/vm-2', TaskState.RUNNING));
    const canary = await page.locator(`${row('render/canary')} .nest-text`).textContent();
    expect(canary).toContain('1/1');

    // Keyboard: Home selects the root, ArrowDown the next row, ArrowLeft on a nested task collapses it.
    await page.locator('[role=tree]').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector(`${row('render/canary')}[aria-selected="true"]`);
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`${row('render/canary')}[aria-expanded="false"]`);
    expect(await page.locator(row('render/canary/vm-1')).count()).toBe(0);

    // Escape closes the task panel; '/' jumps to the text filter.
    await page.waitForSelector('.detail');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.detail', { state: 'detached' });
    await page.keyboard.press('/');
    await page.keyboard.type('staging');
    await page.waitForFunction(() => document.querySelectorAll('[role=treeitem]').length === 6);
  });

  test('clicking skip on a task changes it in the engine and on the page', async () => {
    const world: World = new Map();
    const job = rolloutJob(world, 'skip');
    await job.tick();
    const { page } = await open(job, '/jobs/skip');
    await page.click(row('skip/canary/vm-1'));
    await page.click('.controls button:text-is("Skip")');
    const dialog = page.locator('dialog[open]');
    await dialog.locator('textarea[name=reason]').fill('host retired');
    await dialog.locator('button[type=submit]').click();

    await expect
      .poll(() => job.getTask('skip/canary/vm-1').state, { timeout: 10_000 })
      .toBe(TaskState.SKIPPED);
    await page.waitForSelector(row('skip/canary/vm-1', TaskState.SKIPPED));
    await page.waitForSelector('.controls .outcome.ok:has-text("Skip vm-1 — done.")');
    const event = (await job.events(0)).find((e) => e.action === 'skip');
    expect(event).toMatchObject({ taskId: 'skip/canary/vm-1', actor: 'web', reason: 'host retired' });
    // The task's own history shows who did it and why.
    await page.waitForSelector('.history li.operator:has-text("host retired")');
  });

  test('pause, resume, set state and parallelism reach the engine, each after a confirmation', async () => {
    const job = rolloutJob(new Map(), 'ops');
    await job.tick();
    const { page } = await open(job, '/jobs/ops?task=ops%2Fproduction');
    const confirm = async (button: string, outcome: string) => {
      await page.click(`.controls button:text-is("${button}")`);
      await page.click('dialog[open] button[type=submit]');
      await page.waitForSelector(`.controls .outcome.ok:has-text("${outcome} — done.")`);
      await page.waitForSelector('dialog[open]', { state: 'detached' });
    };
    await confirm('Pause', 'Pause production');
    expect(job.getTask('ops/production').paused).toBe(true);
    await page.waitForSelector(`${row('ops/production')} .paused`);
    await confirm('Resume', 'Resume production');
    expect(job.getTask('ops/production').paused).toBe(false);
    await page.fill('.controls input[type=number]', '6');
    await confirm('Apply', 'Set parallelism of production to 6');
    expect(job.getTask('ops/production').parallelism).toBe(6);
    await page.waitForSelector(`${row('ops/production')} .par:has-text("∥6")`);
    await page.selectOption('.controls select', 'FAILED');
    await confirm('Set', 'Set production to FAILED');
    expect(job.getTask('ops/production').state).toBe(TaskState.FAILED);
    await page.waitForSelector(row('ops/production', TaskState.FAILED));
    expect((await job.events(0)).filter((e) => e.actor === 'web').map((e) => e.action)).toEqual([
      'pause',
      'resume',
      'parallelism',
      'state',
    ]);
  });

  test('approve from the inbox completes a gate', async () => {
    const world: World = new Map();
    for (const vm of ['canary/vm-1', 'staging/vm-1', 'staging/vm-2', 'staging/vm-3', 'staging/vm-4']) {
      world.set(`gate/${vm}`, true);
    }
    const job = rolloutJob(world, 'gate');
    await tickUntil(job, () => job.getTask('gate/approve-production').state === TaskState.ACTION_PENDING);
    const { page } = await open(job, '/inbox');
    const item = page.locator('.inbox-item[data-task-id="gate/approve-production"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('approve to roll out production');
    await page.waitForFunction(() => document.title.startsWith('(1)'));

    await item.locator('button:text-is("Approve")').click();
    await expect
      .poll(() => job.getTask('gate/approve-production').approval?.by, { timeout: 10_000 })
      .toBe('web');
    await job.tick();
    expect(job.getTask('gate/approve-production').state).toBe(TaskState.SUCCESS);
    await item.waitFor({ state: 'detached' });
    await page.waitForSelector('.outcomes li.ok');
    await page.waitForFunction(() => !document.title.startsWith('('));
  });

  test('a viewer token sees no enabled controls', async () => {
    const job = rolloutJob(new Map(), 'viewer');
    await job.tick();
    const { page } = await open(job, '/jobs/viewer?task=viewer%2Fcanary%2Fvm-1', {
      token: 'operator-secret',
      viewerToken: 'viewer-secret',
    });
    // The server answers 401: the view asks for the token (kept in sessionStorage, not the URL).
    await page.fill('dialog[open] input[name=token]', 'viewer-secret');
    await page.click('dialog[open] button[type=submit]');
    await page.waitForSelector('[data-access="viewer"]');
    await page.waitForSelector(row('viewer/canary/vm-1', TaskState.RUNNING));
    await page.waitForSelector('.controls');
    expect(page.url()).not.toContain('secret');
    expect(await page.locator('.controls button').count()).toBeGreaterThan(3);
    expect(await page.locator('.controls :is(button, select, input):enabled').count()).toBe(0);
    await page.waitForSelector('.conn[data-status="live"]');
    expect(await page.evaluate(() => sessionStorage.getItem('rnr.token'))).toBe('viewer-secret');
    // The inbox too: items are listed, their buttons disabled.
    await job.setTaskState('viewer/canary/vm-1', TaskState.FAILED, { actor: 'test' });
    await page.click('nav a:has-text("Inbox")');
    await page.waitForSelector('.inbox-item[data-task-id="viewer/canary/vm-1"]');
    expect(await page.locator('.inbox button:enabled').count()).toBe(0);
  });

  test('reconnects by itself after a server restart and resumes from the last seq', async () => {
    const world: World = new Map();
    const job = rolloutJob(world, 'restart');
    await job.tick();
    const { page, served } = await open(job, '/jobs/restart');
    await page.waitForSelector('.conn[data-status="live"]');
    await page.waitForSelector(row('restart/canary/vm-1', TaskState.RUNNING));
    const port = Number(new URL(served.url).port);
    await served.close();
    await page.waitForSelector('.conn[data-status="offline"]');

    // Events while the server is down must arrive after the restart, once each.
    world.set('restart/canary/vm-1', true);
    await tickUntil(job, () => job.getTask('restart/staging/vm-1').state === TaskState.RUNNING);
    const again = createServer({ jobs: [job] });
    await again.listen({ host: '127.0.0.1', port });
    opened.push({ served: { app: again, url: served.url, close: () => again.close() } });
    await page.waitForSelector(row('restart/canary/vm-1', TaskState.SUCCESS), { timeout: 15_000 });
    await page.waitForSelector(row('restart/staging/vm-1', TaskState.RUNNING));
    await page.waitForSelector('.conn[data-status="live"]');
    await page.click('[role=tab]:text-is("Audit log")');
    await page.click('.audit input[type=checkbox]');
    await page.waitForFunction(
      `document.querySelector('.audit .shown')?.textContent === '${job.seq} events'`,
    );
  });

  test('children resolved when their parent starts appear live', async () => {
    const shard = (n: number) =>
      callbackTask({ id: `dyn/shard-${n}`, name: `shard-${n}`, poll: () => undefined });
    const job = createJob({
      id: 'dyn',
      name: 'dyn',
      root: nestedTask({ id: 'dyn', name: 'dyn', children: async () => [shard(1), shard(2), shard(3)] }),
    });
    const { page } = await open(job, '/jobs/dyn');
    await page.waitForSelector(row('dyn', TaskState.PENDING));
    expect(await page.locator('[role=treeitem]').count()).toBe(1);
    await job.tick();
    // The events name tasks the page's snapshot lacks: it reloads the snapshot and replays them.
    await page.waitForSelector(row('dyn/shard-1', TaskState.RUNNING));
    await page.waitForSelector(row('dyn/shard-3', TaskState.PENDING));
  });

  test('a 100,000-task job opens and scrolls', { timeout: 120_000 }, async () => {
    const job = bigJob(100, 1000, 'big');
    await job.tick();
    const { page } = await open(job, '/jobs/big');
    await page.waitForSelector(row('big/g0/t0', TaskState.RUNNING), { timeout: 60_000 });
    // Virtualized: a screenful of rows in the DOM, not 100,101.
    expect(await page.locator('[role=treeitem]').count()).toBeLessThan(200);
    await page.locator('.tree').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForSelector(row('big/g99/t999'));
    await page.locator('.tree').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await page.waitForSelector('[role=treeitem][data-task-id^="big/g49/"]');
    // Live updates still land: skip a task in view through the engine.
    const inView = await page
      .locator('[role=treeitem][data-task-id^="big/g49/t"]')
      .first()
      .getAttribute('data-task-id');
    await job.skip(inView!, { actor: 'test' });
    await page.waitForSelector(row(inView!, TaskState.SKIPPED));
  });
});

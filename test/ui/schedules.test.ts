// A workflow's schedules in a real browser: each one's next fire time (relative, in its time zone,
// and the viewer's) and what became of its last fire (the run it started, or why it skipped).
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Clock, callbackTask, memoryStore, workflow } from '../../src/index.js';
import { createRunHost } from '../../src/runs/index.js';
import { settle } from '../../src/testing/index.js';
import { ensureUiBuilt, hasChromium, launchBrowser, serve } from './harness.js';

let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  ensureUiBuilt();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/**
 * The wall clock shifted by `offset` (the scheduler starts two hours in the past, so that its fires
 * are in the page's past), its timers kept for the test to fire.
 */
function shiftedClock() {
  const timers: (() => void)[] = [];
  const clock = {
    offset: -2 * 3_600_000,
    now: () => Date.now() + clock.offset,
    setTimeout: (fn: () => void) => timers.push(fn),
    clearTimeout: () => {},
    /** Fires the scheduler's latest timer as if the time were `at`. */
    async fireAt(at: number) {
      clock.offset = at - Date.now();
      timers.at(-1)?.();
      await settle(10);
    },
  };
  return clock;
}

/**
 * The Berlin schedule's hour: twelve hours from now on Berlin's clock, so that it never falls in
 * the two hours the test's scheduler goes through (nor becomes the list's soonest fire), whenever
 * the test runs.
 */
const berlinHour =
  (Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: 'numeric', hourCycle: 'h23' }).format(
      new Date(),
    ),
  ) +
    12) %
  24;
const berlinAt = `${String(berlinHour).padStart(2, '0')}:00`;

const certCheck = workflow({
  name: 'cert-check',
  description: 'Check the load balancers’ certificates.',
  schedules: [
    { cron: '17 * * * *' },
    { cron: `0 ${berlinHour} * * 1-5`, timezone: 'Europe/Berlin', overlap: 'allow', input: { deep: true } },
  ],
  build: () => callbackTask({ name: 'check', poll: () => ({ message: 'checking' }) }),
});

describe.skipIf(!hasChromium)('schedules in the web view', () => {
  test('the workflow page shows next times with their zones and each last fire; the list shows the next run', async () => {
    const clock = shiftedClock();
    const host = createRunHost({
      workflows: [certCheck],
      store: memoryStore(),
      clock: clock as Clock,
      autoStart: false,
      log: () => {},
    });
    await host.startSchedules();
    const first = host.workflows()[0]?.schedules[0]?.nextAt ?? 0; // 17 past, one or two hours ago
    await clock.fireAt(first); // starts cert-check-1 (it stays unfinished)
    await clock.fireAt(first + 3_600_000); // an hour on: skipped, cert-check-1 is unfinished
    clock.offset = 0;
    const served = await serve({ runs: host } as never);
    const page = await browser.newPage({
      viewport: { width: 1280, height: 720 },
      timezoneId: 'America/New_York',
    });
    try {
      await page.goto(`${served.url}/workflows/cert-check`);
      const rows = page.locator('table.schedules tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      const hourlyRow = rows.nth(0);
      await expect.poll(() => hourlyRow.textContent()).toMatch(/17 \* \* \* \*\s*UTC/);
      const text = await hourlyRow.textContent();
      expect(text).toMatch(/in (\d+m\d\ds|\d+s)/);
      expect(text).toMatch(/(\d+m\d\ds|1h\d\dm) ago: skipped/);
      expect(text).toMatch(/:17 UTC \(UTC\+00:00\)/);
      expect(text).toMatch(/your time \(America\/New_York\)/);
      expect(text).toMatch(
        /skipped\s*run cert-check-1, which this schedule started, is unfinished \(overlap: skip\)/,
      );
      const berlin = await rows.nth(1).textContent();
      expect(berlin).toContain(`0 ${berlinHour} * * 1-5`);
      expect(berlin).toMatch(new RegExp(`${berlinAt} Europe/Berlin \\(UTC\\+0[12]:00\\)`));
      expect(berlin).toMatch(/allow/);

      await page.goto(`${served.url}/workflows`);
      const listed = page.locator('tr[data-workflow="cert-check"]');
      // The list shows the soonest next fire: the hourly one (Berlin's is hours away).
      await expect.poll(() => listed.textContent()).toMatch(/in .*:17 UTC/);

      await page.goto(`${served.url}/workflows/cert-check`);
      await expect.poll(() => rows.count()).toBe(2);
      const dir = join(tmpdir(), 'rnr-ui-shots');
      mkdirSync(dir, { recursive: true });
      await page
        .locator('section[aria-labelledby="schedules-title"]')
        .screenshot({ path: join(dir, 'schedules.png') });
    } finally {
      await page.close();
      await served.close();
      await host.close();
    }
  });
});

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { callbackTask, createJob, nestedTask } from '../../src/index.js';
import { browserForFile } from './browser-fixture.js';
import { hasChromium, serve } from './harness.js';

const browser = browserForFile();

describe.skipIf(!hasChromium)('web view: a pending automatic retry', () => {
  test('the tree row shows a small countdown, the detail when and which attempt; both go when it is cancelled', async () => {
    const job = createJob({
      id: 'flaky',
      name: 'flaky',
      root: nestedTask({
        id: 'flaky',
        name: 'flaky',
        children: [
          callbackTask({
            id: 'flaky/db-migrate',
            name: 'db-migrate',
            retry: { attempts: 5, backoff: { initialMs: 3_600_000 } },
            poll: () => {
              throw new Error('lock timeout on table users');
            },
          }),
        ],
      }),
    });
    await job.tick();
    expect(job.getTask('flaky/db-migrate').retryAt).toBeGreaterThan(Date.now());
    const served = await serve({ jobs: [job] });
    const page = await browser().newPage({ viewport: { width: 1280, height: 700 } });
    try {
      await page.goto(`${served.url}/jobs/flaky`);
      const row = page.locator('[role=treeitem][data-task-id="flaky/db-migrate"]');
      const chip = row.locator('.retry');
      await chip.waitFor();
      expect(await chip.textContent()).toMatch(/^↻ 59m\d\ds$/);
      expect(await chip.getAttribute('title')).toMatch(
        /^retrying at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(attempt 2\/5\)$/,
      );
      await row.click();
      const line = page.locator('.detail-retry');
      await line.waitFor();
      expect(await line.textContent()).toMatch(
        /^retrying at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(attempt 2\/5\), in 59m\d\ds$/,
      );
      expect(await page.locator('.detail-msg').textContent()).toBe(
        'retrying in 1h00m, attempt 2/5; attempt 1 failed: lock timeout on table users',
      );
      await page.screenshot({ path: join(process.env.RNR_SCREENSHOTS ?? tmpdir(), 'retry-pending.png') });

      // An operator's skip cancels the retry: the event says so, and both lines go.
      await job.skip('flaky/db-migrate', { actor: 'ana' });
      await line.waitFor({ state: 'detached' });
      await chip.waitFor({ state: 'detached' });
      expect(await page.locator('.detail-msg').textContent()).toBe(
        'attempt 1 failed: lock timeout on table users',
      );
    } finally {
      await page.close();
      await served.close();
      await job.close();
    }
  });
});

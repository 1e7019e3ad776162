import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { setup } from 'xstate';
import { createJob, machineTask, nestedTask, TaskState } from '../../src/index.js';
import { browserForFile } from './browser-fixture.js';
import { hasChromium, serve } from './harness.js';

const node = setup({}).createMachine({
  id: 'node-maintenance',
  initial: 'cordon',
  states: {
    cordon: { meta: { message: 'cordoning' }, on: { 'rnr.poll': 'drain' } },
    drain: {
      initial: 'evicting',
      states: {
        evicting: { meta: { message: 'evicting pods' }, on: { 'rnr.poll': 'stuck' } },
        stuck: {
          tags: ['action-pending'],
          meta: { message: 'pods stuck: approve to force' },
          on: { 'rnr.approve': 'forced' },
        },
        forced: { type: 'final' },
      },
      onDone: 'reboot',
    },
    reboot: { meta: { message: 'rebooting' }, on: { 'rnr.poll': 'done' } },
    done: { type: 'final' },
  },
});

const browser = browserForFile();

describe.skipIf(!hasChromium)('web view: machine tasks', () => {
  test("draws the task's own statechart and highlights its active states as they change", async () => {
    const job = createJob({
      id: 'maint',
      name: 'maint',
      root: nestedTask({
        id: 'maint',
        name: 'maint',
        children: [machineTask({ id: 'maint/node-1', name: 'node-1', machine: node })],
      }),
    });
    await job.tick(); // cordon → drain.evicting
    const served = await serve({ jobs: [job] });
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${served.url}/jobs/maint`);
      await page.click('[role=treeitem][data-task-id="maint/node-1"]');
      const own = page.locator('details:has(summary:text-is("Own statechart (node-maintenance)")) svg');
      await own.waitFor();
      // Every top-level state of the user's machine is drawn; the active one is marked current.
      for (const state of ['cordon', 'drain', 'reboot', 'done']) {
        await own.locator(`g.node[data-state="${state}"]`).waitFor();
      }
      await own.locator('g.node.current[data-state="drain"]').waitFor();
      expect(await own.locator('g.node.current').count()).toBe(1);

      await job.tick(); // drain.evicting → drain.stuck (ACTION_PENDING)
      expect(job.getTask('maint/node-1').state).toBe(TaskState.ACTION_PENDING);
      await page.locator('figure.chart figcaption:has-text("drain.stuck")').waitFor();
      await job.approve('maint/node-1', { actor: 'ana' }); // drain.forced → onDone → reboot
      expect(job.getTask('maint/node-1').state).toBe(TaskState.RUNNING);
      await own.locator('g.node.current[data-state="reboot"]').waitFor();
      await own.scrollIntoViewIfNeeded();
      // RNR_SCREENSHOTS=docs/screenshots refreshes the committed picture; otherwise a temp file.
      await page.screenshot({ path: join(process.env.RNR_SCREENSHOTS ?? tmpdir(), 'machine-task.png') });
    } finally {
      await page.close();
      await served.close();
      await job.close();
    }
  });
});

/**
 * The runs pages' screenshots for docs/screenshots/, from a real run host: the runs list, the
 * cluster page, a workflow's page with its start form, and the form refusing an input (the browser's checks, then
 * the server's issue by field). Used by screenshots.ts.
 */
import type { Browser } from 'playwright-core';
import { z } from 'zod';
import { type Clock, callbackTask, memoryStore, nestedTask, RunTrigger, workflow } from '../../src/index.js';
import { createRunHost } from '../../src/runs/index.js';
import { serve } from './harness.js';

const zones = ['eu-west-1', 'eu-central-1', 'us-east-1'];

/** A rolling upgrade whose VMs finish after a few polls; `failing` names a VM that fails. */
function rollingUpgrade(failing: Set<string>) {
  return workflow({
    name: 'rolling-upgrade',
    description: 'Upgrade the web fleet zone by zone: a canary first, then the rest, health-checked.',
    input: z.object({
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .describe('The release to roll out'),
      zones: z
        .array(z.string().refine((zone) => zones.includes(zone), 'unknown zone'))
        .min(1)
        .describe('Zones to upgrade, in order'),
      parallelism: z.int().min(1).max(20).default(4).describe('VMs upgraded at once per zone'),
      strategy: z.enum(['rolling', 'blue-green']).default('rolling'),
      drainSeconds: z.int().min(0).max(3600).default(120).describe('Connection drain before a VM restarts'),
      skipCanary: z.boolean().default(false),
      notify: z.email().optional().describe('Who hears about the outcome'),
    }),
    schedules: [
      { cron: '0 3 * * 1-5', timezone: 'Europe/Berlin', input: { version: '1.5.1', zones: ['eu-west-1'] } },
    ],
    build: (input, ctx) =>
      nestedTask({
        name: 'rolling-upgrade',
        parallelism: 1,
        children: input.zones.map((zone) =>
          nestedTask({
            name: zone,
            parallelism: input.parallelism,
            children: Array.from({ length: 4 }, (_, k) => {
              let polls = 0;
              const vm = `${zone}/vm-${k + 1}`;
              return callbackTask({
                name: `vm-${k + 1}`,
                poll: () =>
                  failing.has(`${ctx.run.number}:${vm}`) && polls > 1
                    ? { state: 'FAILED', message: 'health check failed: 502 from /healthz' }
                    : ++polls > 2 + k
                      ? { state: 'SUCCESS', message: `running ${input.version}` }
                      : { message: `upgrading to ${input.version}: ${polls * 30}%` },
              });
            }),
          }),
        ),
      }),
  });
}

const tlsRotation = workflow({
  name: 'tls-rotation',
  description: 'Rotate the load balancers’ certificates before they expire.',
  schedules: [{ cron: '0 */6 * * *' }],
  build: () =>
    nestedTask({
      name: 'tls-rotation',
      children: Array.from({ length: 6 }, (_, k) => callbackTask({ name: `lb-${k + 1}`, poll: () => true })),
    }),
});

/** Takes the runs pages' screenshots into `outDir` with `browser`, times read from `clock`. */
export async function runsScreenshots(
  browser: Browser,
  outDir: string,
  clock: Clock & { t: number },
): Promise<void> {
  // The runs start 80 minutes ago and move 45 s per tick, so their times read like a real day.
  clock.t = Date.now() - 80 * 60_000;
  const failing = new Set(['3:eu-central-1/vm-2']);
  const host = createRunHost({
    workflows: [rollingUpgrade(failing), tlsRotation],
    store: memoryStore(),
    clock,
    autoStart: false,
    log: () => {},
  });
  // The schedules' next fire times are read from now (the runs below are dated in the past).
  const runsFrom = clock.t;
  clock.t = Date.now();
  await host.startSchedules();
  clock.t = runsFrom;
  const served = await serve({ runs: host } as never);
  const tick = async (id: string, n: number) => {
    for (let k = 0; k < n; k++) {
      clock.t += 45_000;
      await host.live(id)?.tick();
    }
  };
  try {
    const start = async (workflowName: string, input: unknown, trigger: RunTrigger, startedBy: string) =>
      (await host.start(workflowName, { input, trigger, startedBy })).summary.id;
    const r1 = await start(
      'rolling-upgrade',
      { version: '1.4.2', zones: ['eu-west-1'] },
      RunTrigger.CLI,
      'alice',
    );
    await tick(r1, 12);
    const t1 = await start('tls-rotation', {}, RunTrigger.SCHEDULE, 'schedule 0 */6 * * *');
    await tick(t1, 8);
    const r2 = await start(
      'rolling-upgrade',
      { version: '1.5.0', zones: ['eu-west-1', 'eu-central-1'] },
      RunTrigger.API,
      'bob',
    );
    await tick(r2, 4);
    await host.cancel(r2, { actor: 'bob', reason: 'wrong zones: eu-central-1 is frozen this week' });
    const r3 = await start(
      'rolling-upgrade',
      { version: '1.5.0', zones: ['eu-west-1', 'eu-central-1'] },
      RunTrigger.API,
      'alice',
    );
    await tick(r3, 14);
    const t2 = await start('tls-rotation', {}, RunTrigger.SCHEDULE, 'schedule 0 */6 * * *');
    await tick(t2, 2);
    const r4 = await start(
      'rolling-upgrade',
      { version: '1.5.1', zones: zones, parallelism: 2 },
      RunTrigger.API,
      'carol',
    );
    await tick(r4, 5);

    const page = await browser.newPage({ viewport: { width: 1360, height: 520 }, deviceScaleFactor: 1 });
    await page.goto(`${served.url}/runs`);
    await page.waitForSelector(`tr[data-job-id="${r4}"]`);
    await page.screenshot({ path: `${outDir}runs.png` });

    // The one process serving this store (memory: GET /cluster lists this process alone).
    await page.setViewportSize({ width: 1360, height: 300 });
    await page.goto(`${served.url}/cluster`);
    await page.waitForSelector('table.cluster tbody tr');
    await page.screenshot({ path: `${outDir}cluster.png` });

    await page.setViewportSize({ width: 1360, height: 1180 });
    await page.goto(`${served.url}/workflows/rolling-upgrade`);
    await page.waitForSelector(`tr[data-job-id="${r4}"]`);
    await page.fill('[name=version]', '1.6.0');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[0]"]', 'eu-west-1');
    await page.screenshot({ path: `${outDir}workflow.png` });

    // The browser's checks: nothing is sent until they pass.
    const form = page.locator('section.panel:has(.start-form)');
    await page.fill('[name=version]', '1.6');
    await page.fill('[name=parallelism]', '40');
    await page.fill('[name=notify]', 'web-oncall');
    await page.click('.start-form button[type=submit]');
    await page.waitForSelector('[data-field=notify] .field-error');
    await form.screenshot({ path: `${outDir}start-form-checks.png` });
    // The server's issue, under the item it names.
    await page.fill('[name=version]', '1.6.0');
    await page.fill('[name=parallelism]', '4');
    await page.fill('[name=notify]', 'web-oncall@example.com');
    await page.click('[data-field=zones] .add-item');
    await page.fill('[name="zones[1]"]', 'ap-south-1');
    await page.click('.start-form button[type=submit]');
    await page.waitForSelector('[data-field=zones] .field-error');
    await form.screenshot({ path: `${outDir}start-form-server-issue.png` });
    await page.close();
  } finally {
    await served.close();
    await host.close();
  }
}

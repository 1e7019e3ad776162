/**
 * Takes the web view's screenshots for docs/screenshots/ from real jobs on a real server:
 * the jobs page, a job page mid-rollout (a task selected: controls, history, statechart), the inbox;
 * and from a real run host, the runs list, a workflow's page and its start form refusing an input.
 *
 * usage: node bin/run-ts.js test/ui/screenshots.ts [outDir]
 */
import { fileURLToPath } from 'node:url';
import { callbackTask, createJob, type Job, nestedTask, TaskState } from '../../src/index.js';
import { buildUi, launchBrowser, rolloutJob, serve, type World } from './harness.js';
import { runsScreenshots } from './screenshot-runs.js';

const outDir = process.argv[2] ?? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** A clock that starts 95 minutes ago and moves 40 s per tick, so times read like a real rollout. */
const clock = {
  t: Date.now() - 95 * 60_000,
  now() {
    return this.t;
  },
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

async function tickUntil(job: Job, done: () => boolean): Promise<void> {
  for (let k = 0; k < 50 && !done(); k++) {
    clock.t = Math.min(Date.now() - 60_000, clock.t + 40_000 + Math.floor(Math.random() * 30_000));
    await job.tick();
  }
}

/** A rollout half-way through production: one VM skipped in staging, the gate approved, one failure. */
async function midRollout(): Promise<Job> {
  const world: World = new Map();
  const job = rolloutJob(world, 'web-fleet-1.5.0', 12, clock);
  const id = (task: string) => `web-fleet-1.5.0/${task}`;
  const running = (task: string) => () => job.getTask(id(task)).state === TaskState.RUNNING;
  const ok = (...tasks: string[]) => {
    for (const task of tasks)
      world.set(id(task), { state: 'SUCCESS', message: 'running 1.5.0, health checks green' });
  };
  const ticks = async (n: number) => {
    let left = n;
    await tickUntil(job, () => left-- === 0);
  };
  await tickUntil(job, running('canary/vm-1'));
  await ticks(3);
  ok('canary/vm-1');
  await tickUntil(job, running('staging/vm-2'));
  await ticks(2);
  ok('staging/vm-1', 'staging/vm-2');
  await tickUntil(job, running('staging/vm-4'));
  await job.skip(id('staging/vm-3'), { actor: 'alice', reason: 'host being decommissioned (OPS-4121)' });
  await ticks(2);
  ok('staging/vm-4');
  await tickUntil(job, () => job.getTask(id('approve-production')).state === TaskState.ACTION_PENDING);
  await ticks(2);
  await job.approve(id('approve-production'), { actor: 'alice', reason: 'staging soaked, error rate flat' });
  await tickUntil(job, running('production/vm-4'));
  await ticks(3);
  ok('production/vm-1', 'production/vm-2', 'production/vm-4');
  world.set(id('production/vm-3'), {
    state: 'FAILED',
    message: 'package install failed: dpkg lock held by unattended-upgrades',
  });
  await tickUntil(job, running('production/vm-7'));
  await job.retry(id('production/vm-3'), {
    actor: 'bob',
    reason: 'stopped unattended-upgrades, trying again',
  });
  await job.pause(id('production/vm-12'), {
    actor: 'bob',
    reason: 'vm-12 hosts the on-call dashboard: last',
  });
  await ticks(3);
  return job;
}

/** A database migration waiting at its approval gate, and a cert rotation with failures. */
async function others(): Promise<Job[]> {
  const migration = createJob({
    id: 'orders-db-migration',
    name: 'orders-db-migration',
    clock,
    root: nestedTask({
      id: 'orders-db-migration',
      name: 'orders-db-migration',
      children: [
        callbackTask({
          name: 'snapshot',
          poll: () => ({ state: 'SUCCESS', message: 'snapshot snap-0f3 taken (212 GiB)' }),
        }),
        callbackTask({
          name: 'dry-run',
          poll: () => ({ state: 'SUCCESS', message: '41 tables, 0 conflicts' }),
        }),
        callbackTask({
          name: 'approve-cutover',
          poll: ({ approval }) =>
            approval
              ? true
              : {
                  state: 'ACTION_PENDING',
                  message: 'cutover takes ~4 min of read-only: approve in the window',
                },
        }),
        callbackTask({ name: 'cutover', poll: () => true }),
      ],
    }),
  });
  const certs = createJob({
    id: 'tls-rotation',
    name: 'tls-rotation',
    clock,
    root: nestedTask({
      id: 'tls-rotation',
      name: 'tls-rotation',
      parallelism: 6,
      failFast: false,
      children: Array.from({ length: 24 }, (_, k) =>
        callbackTask({
          name: `lb-${String(k + 1).padStart(2, '0')}`,
          poll: () =>
            k === 6 || k === 15
              ? { state: 'FAILED', message: 'handshake check failed: certificate chain incomplete' }
              : { state: 'SUCCESS', message: 'new certificate serving, expires 2027-11-20' },
        }),
      ),
    }),
  });
  await tickUntil(migration, () => migration.summary().counts.ACTION_PENDING === 1);
  await tickUntil(certs, () => certs.summary().counts.PENDING === 0);
  return [migration, certs];
}

buildUi();
const [migration, certs] = await others();
const rollout = await midRollout();
const served = await serve({ jobs: [rollout, migration!, certs!] });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(`${served.url}/`);
  await page.waitForSelector('tr[data-job-id="tls-rotation"]');
  await page.screenshot({ path: `${outDir}jobs.png` });

  await page.setViewportSize({ width: 1360, height: 1180 });
  await page.goto(
    `${served.url}/jobs/web-fleet-1.5.0?task=${encodeURIComponent('web-fleet-1.5.0/production/vm-5')}`,
  );
  await page.waitForSelector('.chart svg');
  await page.waitForSelector('.history li');
  await page.screenshot({ path: `${outDir}job-mid-rollout.png` });

  await page.setViewportSize({ width: 1360, height: 640 });
  await page.goto(`${served.url}/inbox`);
  await page.waitForSelector('.inbox-item');
  await page.screenshot({ path: `${outDir}inbox.png` });

  await page.setViewportSize({ width: 420, height: 760 });
  await page.goto(`${served.url}/jobs/web-fleet-1.5.0`);
  await page.waitForSelector('[role=treeitem]');
  await page.screenshot({ path: `${outDir}job-narrow.png` });
  await page.setViewportSize({ width: 1360, height: 760 });
  await page.goto(`${served.url}/jobs/web-fleet-1.5.0?tab=audit`);
  await page.waitForSelector('.audit-row');
  await page.screenshot({ path: `${outDir}audit-log.png` });
  await runsScreenshots(browser, outDir, clock);
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
  await served.close();
  for (const job of [rollout, migration!, certs!]) await job.close();
}

/**
 * Runs benchmark (issue 13). Prints, each with a baseline measured in the same run:
 *
 * 1. starting a run over the API (`POST /workflows/:workflow/runs`, a workflow of 10 tasks, SQLite
 *    with synchronous FULL) at a steady 50 starts/s for 10 s: p50 and p99 latency (target p99 ≤
 *    50 ms), beside `GET /workflows` at the same rate on the same server;
 * 2. the tick cost per running task of 200 concurrent runs of 100 running tasks each (a run host as
 *    `rnr serve` makes it), against one run of 20,000 running tasks (target ratio ≤ 1.5).
 *
 * Run it with `node bin/run-ts.js bench/runs.ts` (or `npm run bench -- runs`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbackTask, type Job, memoryStore, nestedTask, sqliteStore, workflow } from '../src/index.js';
import { createRunHost, createServer } from '../src/server/index.js';
import { figure, gc, machineLine, median, percentile, section } from './report.js';
import { openLoop, request } from './server-load.js';

const RATE = 50;
const SECONDS = 10;

const tenTasks = workflow({
  name: 'ten',
  pollIntervalMs: 3_600_000,
  build: () =>
    nestedTask({
      name: 'ten',
      parallelism: 10,
      children: Array.from({ length: 10 }, (_, i) => callbackTask({ name: `t${i}`, poll: () => undefined })),
    }),
});

async function startLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-runs-'));
  const store = sqliteStore(join(dir, 'rnr.db'), { synchronous: 'FULL' });
  const runs = createRunHost({ workflows: [tenTasks], store, ownsStore: true, log: () => {} });
  const app = createServer({ runs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
  try {
    const timed = async (send: () => Promise<{ status: number }>, into: number[]) => {
      const t0 = performance.now();
      const res = await send();
      into.push(performance.now() - t0);
      return res;
    };
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) await timed(() => request(`${base}/workflows`), warm);
    const baseline: number[] = [];
    const list = await openLoop(RATE, SECONDS, () => timed(() => request(`${base}/workflows`), baseline));
    const starts: number[] = [];
    const started = await openLoop(RATE, SECONDS, () =>
      timed(() => request(`${base}/workflows/ten/runs`, { method: 'POST', body: '{"input":{}}' }), starts),
    );
    const p99 = percentile(starts, 99);
    figure(
      `GET /workflows at ${RATE}/s (baseline), p50 / p99`,
      `${median(baseline).toFixed(1)} / ${percentile(baseline, 99).toFixed(1)} ms (${list.failed} failed)`,
    );
    figure(
      `start a run (10 tasks, SQLite FULL) at ${RATE}/s, p50 / p99`,
      `${median(starts).toFixed(1)} / ${p99.toFixed(1)} ms (${started.failed} failed, ${started.sent} runs)`,
      { text: 'p99 ≤ 50 ms', met: p99 <= 50 && started.failed === 0 },
    );
    figure('start p99 / baseline p99', `${(p99 / percentile(baseline, 99)).toFixed(1)}×`);
  } finally {
    await app.close();
    await runs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A workflow of one nested task running `size` leaves at once that never finish. */
const wide = (name: string, size: number) =>
  workflow({
    name,
    pollIntervalMs: 3_600_000,
    build: () =>
      nestedTask({
        name,
        parallelism: size,
        children: Array.from({ length: size }, (_, i) =>
          callbackTask({ name: `t${i}`, poll: () => undefined }),
        ),
      }),
  });

/** Median ms of a tick round over `jobs` (every job ticked once, together). */
async function tickRound(jobs: Job[], rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gc();
    const t0 = performance.now();
    await Promise.all(jobs.map((job) => job.tick()));
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function tickCost(): Promise<void> {
  const many = wide('many', 100);
  const one = wide('one', 20_000);
  const hostMany = createRunHost({
    workflows: [many],
    store: memoryStore(),
    autoStart: false,
    log: () => {},
  });
  const hostOne = createRunHost({ workflows: [one], store: memoryStore(), autoStart: false, log: () => {} });
  try {
    const manyJobs: Job[] = [];
    for (let i = 0; i < 200; i++) {
      const { summary } = await hostMany.start('many');
      manyJobs.push(hostMany.live(summary.id) as Job);
    }
    const { summary } = await hostOne.start('one');
    const oneJob = hostOne.live(summary.id) as Job;
    // The first ticks start every task; the ones measured then only poll.
    await tickRound(manyJobs, 2);
    await tickRound([oneJob], 2);
    const running = manyJobs.reduce((n, job) => n + job.summary().counts.RUNNING, 0);
    // Interleaved, so load on the machine colours both alike.
    const perMany: number[] = [];
    const perOne: number[] = [];
    for (let i = 0; i < 5; i++) {
      perMany.push(((await tickRound(manyJobs, 3)) * 1000) / 20_000);
      perOne.push(((await tickRound([oneJob], 3)) * 1000) / 20_000);
    }
    const ratio = median(perMany) / median(perOne);
    figure('running tasks: 200 runs × 100 / one run', `${running} / ${oneJob.summary().counts.RUNNING}`);
    figure('tick cost per running task, one 20,000-task run (baseline)', `${median(perOne).toFixed(2)} µs`);
    figure('tick cost per running task, 200 runs of 100', `${median(perMany).toFixed(2)} µs`);
    figure('ratio (200 runs / one run)', `${ratio.toFixed(2)}×`, { text: '≤ 1.5×', met: ratio <= 1.5 });
  } finally {
    await hostMany.close();
    await hostOne.close();
  }
}

section(`Runs (${await machineLine()})`);
await startLatency();
await tickCost();

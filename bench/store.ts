/**
 * Durable state benchmark (issues 6, 13, 15): the lifecycle benchmark of the engine (10,000
 * callback leaves under one nested task, parallelism 100, polls that succeed at once, `await
 * job.tick()` until the root is DONE) with `sqliteStore` on disk against `memoryStore` in the same
 * run; the time from an operator action to its acknowledgement (its promise resolving: the commit
 * is durable); and listing runs (`GET /jobs?limit=100`-shaped: the newest page, a deep page, a
 * workflow and a state filter) with 10,000 and 100,000 finished runs stored.
 * Run: `npm run bench -- store`, or
 * `node bin/run-ts.js bench/store.ts [--leaves n] [--rounds n] [--only lifecycle|actions|listing]`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { callbackTask, createJob, isDone, memoryStore, nestedTask, type Store, sqliteStore } from 'rnr';
import { figure, machineLine, median, percentile, section } from './report.js';
import { listingBench } from './store-listing.js';

const { values } = parseArgs({
  options: { leaves: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' } },
});
const LEAVES = Number(values.leaves ?? 10_000);
const ROUNDS = Number(values.rounds ?? 5);
const only = values.only;
const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-store-'));

type Kind = 'memory' | 'FULL' | 'NORMAL';
const kinds: Kind[] = ['memory', 'FULL', 'NORMAL'];
const label = (kind: Kind) => (kind === 'memory' ? 'memoryStore' : `sqliteStore, synchronous ${kind}`);
const open = (kind: Kind, name: string): Store =>
  kind === 'memory' ? memoryStore() : sqliteStore(join(dir, `${name}-${kind}.db`), { synchronous: kind });

function fleet(poll: () => boolean | undefined) {
  const children = Array.from({ length: LEAVES }, (_, i) => callbackTask({ name: `vm-${i}`, poll }));
  return nestedTask({ id: 'fleet', name: 'fleet', parallelism: 100, children });
}

/** One lifecycle run: tick the job until the root is DONE. Returns the ticking time in ms. */
async function lifecycle(store: Store, id: string): Promise<{ ms: number; seq: number }> {
  const job = createJob({ id, name: 'lifecycle', root: fleet(() => true), store });
  await job.load(); // not timed, as createJob was not when it opened the store itself
  const start = performance.now();
  while (!isDone(job.summary().state)) await job.tick();
  const ms = performance.now() - start;
  const seq = job.seq;
  await job.close();
  return { ms, seq };
}

/** Operator actions on a job that keeps 100 tasks running; each action's latency in ms. */
async function actionLatency(store: Store, actions: number): Promise<number[]> {
  const job = createJob({ id: 'actions', name: 'actions', root: fleet(() => undefined), store });
  await job.tick();
  const running = job
    .getTask('fleet', { depth: 1 })
    .children.filter((t) => !isDone(t.state))
    .slice(0, 100);
  const latencies: number[] = [];
  for (let i = 0; i < actions && running.length > 0; i++) {
    const task = running[i % running.length]?.id ?? 'fleet';
    const pausing = Math.floor(i / running.length) % 2 === 0;
    const start = performance.now();
    if (pausing) await job.pause(task, { actor: 'bench', reason: 'latency' });
    else await job.resume(task, { actor: 'bench', reason: 'latency' });
    latencies.push(performance.now() - start);
    if (i % 50 === 49) await job.tick();
  }
  await job.close();
  return latencies;
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  const version = String(db.prepare('SELECT sqlite_version()').pluck().get());
  db.close();
  return version;
}

async function main(): Promise<void> {
  section(`store — ${await machineLine()}, SQLite ${sqliteVersion()}, files in ${tmpdir()}`);
  if (!only || only === 'lifecycle') await lifecycles();
  if (!only || only === 'actions') await actions();
  if (!only || only === 'listing') await listingBench(dir);
}

async function lifecycles(): Promise<void> {
  await lifecycle(memoryStore(), 'warm-up');
  // Interleaved rounds, so a busy neighbour on a shared machine slows every store alike.
  const times = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  let events = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) {
      const store = open(kind, `lifecycle-${round}`);
      const { ms, seq } = await lifecycle(store, 'lifecycle');
      await store.close();
      events = seq;
      times.get(kind)?.push(ms);
    }
  }
  const memory = median(times.get('memory') ?? []);
  for (const kind of kinds) {
    const runs = times.get(kind) ?? [];
    const rate = (LEAVES / median(runs)) * 1000;
    const best = (LEAVES / Math.min(...runs)) * 1000;
    const text = `${Math.round(rate).toLocaleString()} tasks/s (best ${Math.round(best).toLocaleString()})`;
    figure(`lifecycle, ${label(kind)} (median of ${ROUNDS})`, text);
  }
  for (const kind of ['FULL', 'NORMAL'] as const) {
    const ratio = memory / median(times.get(kind) ?? []);
    figure(`ratio ${label(kind)} / memoryStore`, `${ratio.toFixed(2)}×`, {
      text: '≥ 0.5×',
      met: ratio >= 0.5,
    });
  }
  const file = join(dir, 'lifecycle-0-FULL.db');
  figure(
    'events per run; store file after one run',
    `${events}; ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`,
  );

  const t0 = performance.now();
  const reopened = sqliteStore(file);
  const resumed = createJob({ id: 'lifecycle', name: 'lifecycle', root: fleet(() => true), store: reopened });
  await resumed.load();
  const resumeMs = performance.now() - t0;
  figure(`resume the finished ${LEAVES}-task job (open + restore)`, `${resumeMs.toFixed(0)} ms`);
  await resumed.close();
  await reopened.close();
}

async function actions(): Promise<void> {
  for (const kind of kinds) {
    const store = open(kind, 'actions');
    const latencies = await actionLatency(store, 2000);
    await store.close();
    const p50 = percentile(latencies, 50).toFixed(2);
    const p99 = percentile(latencies, 99).toFixed(2);
    figure(`action → ack, ${label(kind)} (2,000 actions)`, `p50 ${p50} ms, p99 ${p99} ms`);
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

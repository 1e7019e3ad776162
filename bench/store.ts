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
import { memoryStore, type Store, sqliteStore } from 'rnr';
import { actionLatency, lifecycle, resumeMs } from './postgres-rnr.js';
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
  await lifecycle(memoryStore(), 'warm-up', LEAVES);
  // Interleaved rounds, so a busy neighbour on a shared machine slows every store alike.
  const times = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  let events = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) {
      const store = open(kind, `lifecycle-${round}`);
      const result = await lifecycle(store, 'lifecycle', LEAVES);
      await store.close();
      events = result.events;
      times.get(kind)?.push(result.ms);
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

  const reopened = sqliteStore(file);
  const ms = await resumeMs(reopened, 'lifecycle', LEAVES);
  figure(`resume the finished ${LEAVES}-task job (open + restore)`, `${ms.toFixed(0)} ms`);
  await reopened.close();
}

async function actions(): Promise<void> {
  for (const kind of kinds) {
    const store = open(kind, 'actions');
    const latencies = await actionLatency(store, 'actions', 2000);
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

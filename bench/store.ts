/**
 * Durable state benchmark: the lifecycle benchmark (10,000 callback leaves under one nested task,
 * parallelism 100, polls that succeed at once, driven by `await job.tick()` until the root is DONE)
 * with `sqliteStore` on disk against `memoryStore`, then the time from an operator action to its
 * acknowledgement (the call returning, i.e. the commit being durable).
 *
 * usage: node bin/run-ts.js bench/store.ts [--leaves 10000] [--rounds 5]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { callbackTask, createJob, isDone, memoryStore, nestedTask, type Store, sqliteStore } from 'rnr';

const { values } = parseArgs({ options: { leaves: { type: 'string' }, rounds: { type: 'string' } } });
const LEAVES = Number(values.leaves ?? 10_000);
const ROUNDS = Number(values.rounds ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-store-'));

function fleet(poll: () => boolean | undefined) {
  const children = Array.from({ length: LEAVES }, (_, i) => callbackTask({ name: `vm-${i}`, poll }));
  return nestedTask({ id: 'fleet', name: 'fleet', parallelism: 100, children });
}

/** One lifecycle run: create the job and tick it until the root is DONE. Returns ms. */
async function lifecycle(store: Store, id: string): Promise<{ ms: number; seq: number }> {
  const start = performance.now();
  const job = createJob({ id, name: 'lifecycle', root: fleet(() => true), store });
  while (!isDone(job.summary().state)) await job.tick();
  const ms = performance.now() - start;
  const seq = job.seq;
  await job.close();
  return { ms, seq };
}

type Kind = 'memory' | 'sqlite FULL' | 'sqlite NORMAL';
const open = (kind: Kind, round: number): Store =>
  kind === 'memory'
    ? memoryStore()
    : sqliteStore(join(dir, `lifecycle-${kind.split(' ')[1]}-${round}.db`), {
        synchronous: kind === 'sqlite FULL' ? 'FULL' : 'NORMAL',
      });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

/** Operator actions on a job that keeps 100 tasks running; returns each action's latency in ms. */
async function actionLatency(store: Store, actions: number): Promise<number[]> {
  const job = createJob({ id: 'actions', name: 'actions', root: fleet(() => undefined), store });
  await job.tick();
  const running = job
    .getTask('fleet', { depth: 1 })
    .children.filter((t) => !isDone(t.state))
    .slice(0, 100);
  const latencies: number[] = [];
  for (let i = 0; i < actions; i++) {
    const task = running[i % running.length];
    if (!task) break;
    const paused = Math.floor(i / running.length) % 2 === 0;
    const start = performance.now();
    if (paused) job.pause(task.id, { actor: 'bench', reason: 'latency' });
    else job.resume(task.id, { actor: 'bench', reason: 'latency' });
    latencies.push(performance.now() - start);
    if (i % 50 === 49) await job.tick();
  }
  await job.close();
  return latencies;
}

const sqliteVersion = (() => {
  const db = new Database(':memory:');
  const v = db.prepare('SELECT sqlite_version()').pluck().get();
  db.close();
  return String(v);
})();
console.log('rnr store benchmark');
console.log(
  `machine: ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, SQLite ${sqliteVersion}, files in ${dir}`,
);
console.log(
  `lifecycle: ${LEAVES} callback leaves, parallelism 100, ${ROUNDS} rounds each (after a warm-up)\n`,
);

await lifecycle(memoryStore(), 'warm-up');
const kinds: Kind[] = ['memory', 'sqlite FULL', 'sqlite NORMAL'];
const times = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
let events = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of kinds) {
    const store = open(kind, round);
    const { ms, seq } = await lifecycle(store, `lifecycle-${round}`);
    store.close();
    events = seq;
    times.get(kind)?.push(ms);
  }
}
// The machine may be shared: report the median and the best round, and the ratio of each.
const memory = median(times.get('memory') ?? []);
const memoryBest = Math.min(...(times.get('memory') ?? []));
for (const kind of kinds) {
  const runs = times.get(kind) ?? [];
  const ms = median(runs);
  const best = Math.min(...runs);
  const rate = (LEAVES / ms) * 1000;
  const ratio =
    kind === 'memory'
      ? ''
      : `  ratio ${(memory / ms).toFixed(2)} (best ${(memoryBest / best).toFixed(2)}) of memory, target ≥ 0.50`;
  console.log(
    `${kind.padEnd(14)} median ${fmt(ms).padStart(9)} (best ${fmt(best)})  ${rate.toFixed(0).padStart(6)} tasks/s${ratio}`,
  );
}
const file = join(dir, 'lifecycle-FULL-0.db');
console.log(
  `events per run: ${events}; store file after one run: ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`,
);

// Resume: re-create the finished 10k-task job from its file (open + quick_check + restore).
const reopenStart = performance.now();
const reopened = sqliteStore(file);
const resumed = createJob({ id: 'lifecycle-0', name: 'lifecycle', root: fleet(() => true), store: reopened });
console.log(
  `resume of a ${LEAVES}-task job from disk: ${fmt(performance.now() - reopenStart)} (from seq ${resumed.resumed?.fromSeq})`,
);
await resumed.close();
reopened.close();

console.log('\noperator action → acknowledgement (pause/resume on running tasks, a tick every 50 actions)');
for (const kind of kinds) {
  const store = open(kind, 99);
  const latencies = await actionLatency(store, 2000);
  store.close();
  const line = `p50 ${fmt(quantile(latencies, 0.5))}  p99 ${fmt(quantile(latencies, 0.99))}  max ${fmt(Math.max(...latencies))}`;
  console.log(`${kind.padEnd(14)} ${line}  (${latencies.length} actions)`);
}
rmSync(dir, { recursive: true, force: true });

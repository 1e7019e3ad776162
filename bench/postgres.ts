/**
 * PostgreSQL benchmark (issues 15 and 16): starts its own server with the tests' module
 * (test/fixtures/postgres), durable like production (fsync on, synchronous_commit on), and
 * measures in one run: the server's start, what bare node-postgres gets from it (the baseline),
 * graphile-worker 0.18 doing 10,000 no-op jobs at concurrency 100 (the peer), and rnr's lifecycle
 * (10,000 no-op leaves, parallelism 100) on postgresStore and on sqliteStore (FULL) — rounds
 * interleaved, so a busy neighbour slows all three alike. Issue 15's target: rnr on PostgreSQL
 * ≥ 5× graphile-worker. Then operator action → acknowledged on PostgreSQL, and the resume of a
 * finished 10,000-task run from it.
 * Run: `npm run bench -- postgres`, or
 * `node bin/run-ts.js bench/postgres.ts [--jobs n] [--rounds n] [--actions n]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { memoryStore, sqliteStore } from 'rnr';
import { postgresStore } from 'rnr/postgres';
import { startPostgres } from '../test/fixtures/postgres/server.js';
import { graphileRound, prepareGraphile } from './graphile-worker.js';
import { measureBaseline } from './postgres-baseline.js';
import { actionLatency, type LifecycleRound, lifecycle, resumeMs } from './postgres-rnr.js';
import { figure, machineLine, median, percentile, section } from './report.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string' }, rounds: { type: 'string' }, actions: { type: 'string' } },
});
const JOBS = Number(values.jobs ?? 10_000);
const ROUNDS = Number(values.rounds ?? 3);
const ACTIONS = Number(values.actions ?? 1000);
const CONCURRENCY = 100;

const ms = (n: number) => `${n.toFixed(2)} ms`;
const perSecond = (n: number) => `${Math.round(n).toLocaleString()}/s`;
const rates = (times: readonly number[]) => times.map((t) => (JOBS / t) * 1000);
const rateText = (times: readonly number[], unit: string) =>
  `${perSecond(median(rates(times)))} ${unit} (best ${perSecond(Math.max(...rates(times)))})`;

async function main(): Promise<void> {
  const t0 = performance.now();
  const server = await startPostgres({ durable: true });
  const startMs = performance.now() - t0;
  const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-pg-'));
  try {
    section(
      `postgres — ${await machineLine()}, PostgreSQL ${server.version}, fsync on, synchronous_commit on`,
    );
    figure('server start (copy of a cached initdb, pg_ctl start, role)', `${startMs.toFixed(0)} ms`);

    const base = await measureBaseline((await server.createDatabase({ label: 'baseline' })).url);
    figure('bare pg: SELECT 1 round trip, p50', ms(base.selectP50));
    figure('bare pg: autocommit INSERT (one round trip + flush), p50', ms(base.insertP50));
    figure('bare pg: BEGIN; INSERT; COMMIT awaited in turn, p50', ms(base.transactionP50));
    figure('bare pg: BEGIN; INSERT; COMMIT pipelined, p50', ms(base.pipelinedP50));
    figure('bare pg: 100-row INSERT … unnest in one transaction, p50', ms(base.bulk100P50));
    figure(
      'bare pg: autocommit INSERTs from 100 connections',
      `${perSecond(base.groupCommitsPerSecond)} commits`,
    );

    const graphileUrl = (await server.createDatabase({ label: 'graphile' })).url;
    await prepareGraphile(graphileUrl);
    await lifecycle(memoryStore(), 'warm-up', JOBS); // the engine's JIT, not a store's
    const graphile: { enqueueMs: number; runMs: number }[] = [];
    const onPostgres: LifecycleRound[] = [];
    const onSqlite: LifecycleRound[] = [];
    let lastRun = { url: '', id: '' };
    // Round 0 warms each up and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      const g = await graphileRound(graphileUrl, JOBS, CONCURRENCY);
      const db = await server.createDatabase({ label: `rnr_${round}` });
      const pgStore = postgresStore(db.url);
      const p = await lifecycle(pgStore, 'lifecycle', JOBS);
      await pgStore.close();
      const liteStore = sqliteStore(join(dir, `lifecycle-${round}.db`));
      const l = await lifecycle(liteStore, 'lifecycle', JOBS);
      await liteStore.close();
      if (round === 0) continue;
      graphile.push(g);
      onPostgres.push(p);
      onSqlite.push(l);
      lastRun = { url: db.url, id: 'lifecycle' };
    }
    const jobs = JOBS.toLocaleString();
    const graphileTimes = graphile.map((r) => r.runMs);
    figure(
      `graphile-worker 0.18: ${jobs} no-op jobs, concurrency ${CONCURRENCY} (median of ${ROUNDS})`,
      rateText(graphileTimes, 'jobs'),
    );
    figure(
      `graphile-worker 0.18: queue ${jobs} jobs (one addJobs), median`,
      ms(median(graphile.map((r) => r.enqueueMs))),
    );
    const pgTimes = onPostgres.map((r) => r.ms);
    const liteTimes = onSqlite.map((r) => r.ms);
    figure(`rnr lifecycle, postgresStore (${jobs} leaves, parallelism 100)`, rateText(pgTimes, 'tasks'));
    figure(`rnr lifecycle, sqliteStore FULL (same run)`, rateText(liteTimes, 'tasks'));
    const versus = median(graphileTimes) / median(pgTimes);
    figure('ratio rnr on PostgreSQL / graphile-worker', `${versus.toFixed(1)}×`, {
      text: '≥ 5×',
      met: versus >= 5,
    });
    figure('ratio rnr on PostgreSQL / rnr on SQLite', `${(median(liteTimes) / median(pgTimes)).toFixed(2)}×`);
    const mid = onPostgres[Math.floor(onPostgres.length / 2)] as LifecycleRound;
    figure(
      'rnr on PostgreSQL: commits per run; commit time, share of the run',
      `${mid.commits} of ~${Math.round(mid.events / mid.commits)} events; ${ms(mid.commitMs / mid.commits)} each, ${Math.round((100 * mid.commitMs) / mid.ms)}%`,
    );

    const actionsDb = await server.createDatabase({ label: 'actions' });
    const actionStore = postgresStore(actionsDb.url);
    const latencies = await actionLatency(actionStore, 'actions', ACTIONS);
    await actionStore.close();
    figure(
      `action → ack, postgresStore (${ACTIONS.toLocaleString()} actions)`,
      `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
    );

    const resumeStore = postgresStore(lastRun.url);
    const resume = await resumeMs(resumeStore, lastRun.id, JOBS);
    await resumeStore.close();
    figure(
      `resume a finished ${jobs}-task run from postgresStore (open + restore)`,
      `${resume.toFixed(0)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}

await main();

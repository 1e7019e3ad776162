/**
 * PostgreSQL benchmark (issues 15 and 16): starts its own server with the tests' module
 * (test/fixtures/postgres), durable like production (fsync on, synchronous_commit on), and
 * measures in one run: the server's start, what bare node-postgres gets from it (the baseline),
 * and graphile-worker 0.18 doing 10,000 no-op jobs at concurrency 100 — the peer figure rnr's
 * PostgreSQL lifecycle must beat 5× (issue 15) against the same server in the same run.
 * Run: `npm run bench -- postgres`, or `node bin/run-ts.js bench/postgres.ts [--jobs n] [--rounds n]`.
 */
import { parseArgs } from 'node:util';
import { startPostgres } from '../test/fixtures/postgres/server.js';
import { graphileRound, prepareGraphile } from './graphile-worker.js';
import { measureBaseline } from './postgres-baseline.js';
import { figure, machineLine, median, section } from './report.js';

const { values } = parseArgs({ options: { jobs: { type: 'string' }, rounds: { type: 'string' } } });
const JOBS = Number(values.jobs ?? 10_000);
const ROUNDS = Number(values.rounds ?? 3);
const CONCURRENCY = 100;

const ms = (n: number) => `${n.toFixed(2)} ms`;
const perSecond = (n: number) => `${Math.round(n).toLocaleString()}/s`;

async function main(): Promise<void> {
  const t0 = performance.now();
  const server = await startPostgres({ durable: true });
  const startMs = performance.now() - t0;
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

    const url = (await server.createDatabase({ label: 'graphile' })).url;
    await prepareGraphile(url);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await graphileRound(url, JOBS, CONCURRENCY));
    const rates = rounds.map((r) => (JOBS / r.runMs) * 1000);
    const rate = median(rates);
    const jobs = JOBS.toLocaleString();
    figure(
      `graphile-worker 0.18: ${jobs} no-op jobs, concurrency ${CONCURRENCY} (median of ${ROUNDS})`,
      `${perSecond(rate)} jobs (best ${perSecond(Math.max(...rates))})`,
    );
    figure(
      `graphile-worker 0.18: queue ${jobs} jobs (one addJobs), median`,
      ms(median(rounds.map((r) => r.enqueueMs))),
    );
    figure(
      'issue 15: rnr lifecycle on PostgreSQL must reach (5× graphile-worker)',
      `${perSecond(5 * rate)} tasks`,
    );
  } finally {
    await server.close();
  }
}

await main();

/**
 * The peer: graphile-worker 0.18, the job queue Node ops engineers run on PostgreSQL, processing
 * no-op jobs. Jobs are queued first (one `addJobs` call) and the runner is timed from its start to
 * the last job's completion — graphile-worker's own way of measuring its throughput, and the most
 * favourable to it. Its pool is as large as its concurrency, as it advises (a smaller one warns).
 */
import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import pg from 'pg';

/** One round's times in ms. */
export interface GraphileRound {
  /** Queueing all jobs (one `addJobs` call, one transaction). */
  readonly enqueueMs: number;
  /** From `run()` to the last job's completion. */
  readonly runMs: number;
}

const silent = new Logger(() => () => undefined);

/** Installs graphile-worker's schema in the database at `url`. */
export async function prepareGraphile(url: string): Promise<void> {
  await runMigrations({ connectionString: url, logger: silent });
}

/** Queues `jobs` no-op jobs, then runs them at `concurrency` until all completed. */
export async function graphileRound(
  url: string,
  jobs: number,
  concurrency: number,
  poolSize = concurrency,
): Promise<GraphileRound> {
  const pgPool = new pg.Pool({ connectionString: url, max: poolSize });
  const report = (err: Error) => console.error('graphile-worker connection error:', err.message);
  pgPool.on('error', report);
  pgPool.on('connect', (client) => client.on('error', report)); // checked-out clients too
  try {
    const utils = await makeWorkerUtils({ pgPool, logger: silent });
    const t0 = performance.now();
    await utils.addJobs(Array.from({ length: jobs }, () => ({ identifier: 'noop', payload: {} })));
    const enqueueMs = performance.now() - t0;
    await utils.release();

    const events: EventEmitter = new EventEmitter();
    let completed = 0;
    let failed = 0;
    const done = new Promise<void>((resolve) => {
      events.on('job:complete', ({ error }: { error?: unknown }) => {
        if (error) failed++;
        if (++completed === jobs) resolve();
      });
    });
    const t1 = performance.now();
    const runner = await run({
      pgPool,
      concurrency,
      noHandleSignals: true,
      logger: silent,
      events: events as never,
      taskList: { noop: async () => undefined },
    });
    await done;
    const runMs = performance.now() - t1;
    await runner.stop();
    if (failed > 0) throw new Error(`graphile-worker: ${failed} of ${jobs} no-op jobs failed`);
    return { enqueueMs, runMs };
  } finally {
    await pgPool.end();
  }
}

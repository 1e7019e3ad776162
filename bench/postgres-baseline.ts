/**
 * What the server and disk allow, measured with bare node-postgres, so the PostgreSQL figures of
 * rnr and its peers can be read against it: one round trip, one durable commit, the shapes a
 * store's batch can take (three round trips, one pipelined round trip, 100 rows in one statement),
 * and how many commits per second 100 concurrent connections get (group commit).
 */
import pg from 'pg';
import { median } from './report.js';

/** The baseline figures, in ms unless named otherwise. */
export interface BaselineFigures {
  /** `SELECT 1`: one round trip, no commit. */
  readonly selectP50: number;
  /** An autocommit single-row `INSERT`: one round trip, one WAL flush. */
  readonly insertP50: number;
  /** `BEGIN`, one `INSERT`, `COMMIT` awaited one after the other: three round trips, one flush. */
  readonly transactionP50: number;
  /** The same three statements pipelined (the `pipeline: true` client option of pg 8.23): one round trip. */
  readonly pipelinedP50: number;
  /** A transaction writing 100 rows in one `INSERT … SELECT FROM unnest(…)`, pipelined. */
  readonly bulk100P50: number;
  /** Autocommit single-row INSERTs from 100 connections at once, commits per second. */
  readonly groupCommitsPerSecond: number;
}

/** Measures {@link BaselineFigures} in the database at `url` (it creates table `baseline`). */
export async function measureBaseline(url: string, samples = 300): Promise<BaselineFigures> {
  const client = new pg.Client({ connectionString: url, pipeline: true });
  client.on('error', (err) => console.error('baseline connection error:', err.message));
  await client.connect();
  await client.query('CREATE TABLE baseline (id bigint, payload text)');
  let id = 0;
  const payload = 'x'.repeat(200); // about one event row
  const insert = 'INSERT INTO baseline VALUES ($1, $2)';
  const shapes = {
    // Awaiting each query before sending the next is the classic, non-pipelined round trip.
    select: () => client.query('SELECT 1'),
    insert: () => client.query(insert, [++id, payload]),
    transaction: async () => {
      await client.query('BEGIN');
      await client.query(insert, [++id, payload]);
      await client.query('COMMIT');
    },
    pipelined: () =>
      Promise.all([client.query('BEGIN'), client.query(insert, [++id, payload]), client.query('COMMIT')]),
    bulk100: () => {
      const ids = Array.from({ length: 100 }, () => ++id);
      const rows = 'INSERT INTO baseline SELECT * FROM unnest($1::bigint[], $2::text[])';
      return Promise.all([
        client.query('BEGIN'),
        client.query(rows, [ids, ids.map(() => payload)]),
        client.query('COMMIT'),
      ]);
    },
  };
  // Interleaved, so a busy neighbour on a shared machine slows every shape alike.
  const times = new Map<keyof typeof shapes, number[]>();
  for (let i = 0; i < samples; i++) {
    for (const [name, once] of Object.entries(shapes) as [keyof typeof shapes, () => Promise<unknown>][]) {
      const start = performance.now();
      await once();
      const list = times.get(name) ?? [];
      list.push(performance.now() - start);
      times.set(name, list);
    }
  }
  const p50 = (name: keyof typeof shapes) => median(times.get(name) ?? []);
  await client.end();
  return {
    selectP50: p50('select'),
    insertP50: p50('insert'),
    transactionP50: p50('transaction'),
    pipelinedP50: p50('pipelined'),
    bulk100P50: p50('bulk100'),
    groupCommitsPerSecond: await groupCommits(url, 100, 30),
  };
}

/** `connections` clients each doing `each` autocommit INSERTs as fast as they can; commits/s. */
async function groupCommits(url: string, connections: number, each: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  pool.on('error', (err) => console.error('baseline pool error:', err.message));
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  const start = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < each; i++) await client.query('INSERT INTO baseline VALUES ($1, $2)', [-c, 'g']);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const client of clients) client.release();
  await pool.end();
  return (connections * each) / seconds;
}

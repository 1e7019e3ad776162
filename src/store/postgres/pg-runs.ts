import type pg from 'pg';
import type { CreatedRun, CreateRunRequest, RunPage, RunQuery, StoredRun } from '../../engine/store.js';
import {
  type CheckedRunQuery,
  canonicalJson,
  checkRunQuery,
  checkRunRequest,
  keyReused,
  newRunRecord,
  overConcurrency,
  pageToken,
} from '../run-requests.js';
import type { PgDatabase } from './pg-database.js';
import { insertRunSql, RUN_COLUMNS, readRun, runFromRow, runValues } from './pg-rows.js';
import { fromDb, toDb } from './text-codec.js';

type Row = Record<string, unknown>;

// The root states of finished runs (SUCCESS, FAILED, SKIPPED: what the runs.done column computes)
// and of unfinished ones (UNKNOWN, PENDING, RUNNING, ACTION_PENDING).
const DONE = [3, 4, 5];
const ACTIVE = [0, 1, 2, 6];

function same(states: ReadonlySet<number>, list: readonly number[]): boolean {
  return states.size === list.length && list.every((s) => states.has(s));
}

/**
 * The run lifecycle on PostgreSQL: reading a run, listing runs in keyset pages (`ord < $n`, never
 * OFFSET, so a page costs the same however many runs there are), creating runs (numbers,
 * concurrency, idempotency keys, serialized per workflow by a row lock on its counter) and pruning
 * finished ones.
 */
export class PgRuns {
  constructor(private readonly db: PgDatabase) {}

  private get s(): string {
    return this.db.schema;
  }

  /** A run and its task records, from one snapshot (no claim). */
  load(runId: string): Promise<StoredRun | undefined> {
    return this.db.transaction(
      `reading run ${JSON.stringify(runId)}`,
      'always',
      (client) => readRun(client, this.s, runId),
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  /** One page of runs, newest first. */
  async list(query: RunQuery | undefined): Promise<RunPage> {
    const q = checkRunQuery(query);
    const { text, values } = this.listing(q);
    const { rows } = await this.db.query('listing runs', { text, values });
    const page: RunPage = { runs: rows.slice(0, q.limit).map(runFromRow) };
    if (rows.length > q.limit) page.nextPageToken = pageToken(Number((rows[q.limit - 1] as Row).ord));
    return page;
  }

  /** Records a new run: the next number, the concurrency check and the idempotency key, atomically. */
  create(request: CreateRunRequest): Promise<CreatedRun> {
    const r = checkRunRequest(request, Date.now());
    // A retried transaction either finds its run by key or makes a new one; without a key, a
    // COMMIT whose answer was lost is not sent again (it could make a second run).
    const retry = r.idempotencyKey === undefined ? 'before-commit' : 'always';
    return this.db.transaction(`creating a run of ${JSON.stringify(r.workflow)}`, retry, async (client) => {
      const s = this.s;
      const workflow = toDb(r.workflow);
      const last = await this.lockCounter(client, workflow);
      if (r.idempotencyKey !== undefined) {
        const found = await client.query(
          `SELECT ${RUN_COLUMNS} FROM ${s}.runs r WHERE r.workflow = $1 AND r.idempotency_key = $2`,
          [workflow, toDb(r.idempotencyKey)],
        );
        const row = found.rows[0];
        if (row) {
          const run = runFromRow(row);
          if (canonicalJson(run.input) !== canonicalJson(r.input)) throw keyReused(r.idempotencyKey, run);
          return { run, created: false };
        }
      }
      if (r.concurrency !== undefined) {
        const open = await client.query<{ id: string }>(
          `SELECT id FROM ${s}.runs WHERE workflow = $1 AND NOT done ORDER BY ord`,
          [workflow],
        );
        const blocking = open.rows.map((row) => fromDb(row.id));
        if (blocking.length >= r.concurrency) throw overConcurrency(r.workflow, r.concurrency, blocking);
      }
      const n = await this.freeNumber(client, r.workflow, last + 1);
      const run = newRunRecord(r, n, `${r.workflow}-${n}`);
      const inserted = await client.query(insertRunSql(s), [...runValues(run, r.idempotencyKey), 0, null]);
      const row = inserted.rows[0];
      if (!row) throw new Error(`run id ${run.id} was taken meanwhile`);
      await client.query(`UPDATE ${s}.workflows SET last_run = greatest(last_run, $2) WHERE workflow = $1`, [
        workflow,
        n,
      ]);
      return { run: runFromRow(row), created: true };
    });
  }

  /**
   * The workflow's last run number, its counter row locked until the transaction ends: one
   * createRun (or first open of a job) per workflow at a time.
   */
  async lockCounter(client: pg.ClientBase, workflow: string): Promise<number> {
    const s = this.s;
    await client.query(
      `INSERT INTO ${s}.workflows (workflow, last_run) VALUES ($1, 0) ON CONFLICT (workflow) DO NOTHING`,
      [workflow],
    );
    const { rows } = await client.query<{ last_run: string }>(
      `SELECT last_run FROM ${s}.workflows WHERE workflow = $1 FOR UPDATE`,
      [workflow],
    );
    return Number(rows[0]?.last_run ?? 0);
  }

  /** `wanted` when no run of the workflow has that number or id; else the next one free. */
  async freeNumber(client: pg.ClientBase, workflow: string, wanted: number): Promise<number> {
    // A legacy job may hold the id (or number) a run would get: numbers skip it, never reuse it.
    const { rows } = await client.query<{ n: string }>(
      `SELECT min(n) AS n FROM generate_series($2::bigint, $2::bigint + 1000) AS n
        WHERE NOT EXISTS (SELECT 1 FROM ${this.s}.runs r
          WHERE (r.workflow = $1 AND r.run = n) OR r.id = $1 || '-' || n)`,
      [toDb(workflow), wanted],
    );
    const n = rows[0]?.n;
    if (n === null || n === undefined) throw new Error(`no free run number of ${workflow} near ${wanted}`);
    return Number(n);
  }

  /** Deletes a workflow's finished runs beyond the newest `keep`, except runs a process holds. */
  async prune(workflow: string, keep: number): Promise<number> {
    const s = this.s;
    const { rows } = await this.db.query<{ n: number }>(`pruning runs of ${JSON.stringify(workflow)}`, {
      text: `WITH beyond AS (
          SELECT id FROM ${s}.runs WHERE workflow = $1 AND done ORDER BY ord DESC OFFSET $2
        ), doomed AS (
          DELETE FROM ${s}.runs r USING beyond b WHERE r.id = b.id AND r.owner_process IS NULL RETURNING r.id
        ), gone_events AS (
          DELETE FROM ${s}.events WHERE run_id IN (SELECT id FROM doomed)
        ), gone_tasks AS (
          DELETE FROM ${s}.tasks WHERE run_id IN (SELECT id FROM doomed)
        )
        SELECT count(*)::int AS n FROM doomed`,
      values: [toDb(workflow), Math.max(0, Math.floor(Number(keep)) || 0)],
    });
    return rows[0]?.n ?? 0;
  }

  /** The SQL of a listing query and its values (the limit last). */
  private listing(q: CheckedRunQuery): { text: string; values: unknown[] } {
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (q.workflow !== undefined) where.push(`r.workflow = ${param(toDb(q.workflow))}`);
    if (q.states) {
      if (same(q.states, ACTIVE) || same(q.states, DONE))
        where.push(`r.done = ${param(same(q.states, DONE))}`);
      else where.push(`r.state = ANY(${param([...q.states])}::smallint[])`);
    }
    if (q.before !== undefined) where.push(`r.ord < ${param(q.before)}`);
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const text = `SELECT ${RUN_COLUMNS} FROM ${this.s}.runs r${filter} ORDER BY r.ord DESC LIMIT ${param(q.limit + 1)}`;
    return { text, values };
  }
}

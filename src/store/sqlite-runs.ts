import type Database from 'better-sqlite3';
import type { CreatedRun, CreateRunRequest, RunPage, RunQuery, StoredRun } from '../engine/store.js';
import { TaskState } from '../engine/task-state.js';
import {
  type CheckedRunQuery,
  canonicalJson,
  checkRunQuery,
  checkRunRequest,
  keyReused,
  newRunRecord,
  overConcurrency,
  pageToken,
} from './run-requests.js';
import { RUN_SELECT, runFromRow, runParams, type sql, taskFromRow } from './sqlite-rows.js';

type Row = Record<string, unknown>;
type Statements = Record<keyof typeof sql, Database.Statement>;

const ACTIVE = [TaskState.UNKNOWN, TaskState.PENDING, TaskState.RUNNING, TaskState.ACTION_PENDING];
const DONE = [TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED];

function same(states: ReadonlySet<TaskState>, list: readonly TaskState[]): boolean {
  return states.size === list.length && list.every((s) => states.has(s));
}

/**
 * The run lifecycle of a SQLite store: reading a run, listing runs in keyset pages, creating runs
 * (numbers, concurrency, idempotency keys) and pruning finished ones. Every listing query reads
 * an index in `ord` order from a position (`ord < ?`), never skipping rows (no OFFSET), so a page
 * costs the same whatever the number of runs stored.
 */
export class SqliteRuns {
  /** Listing statements by query shape, prepared once each. */
  private readonly listings = new Map<string, Database.Statement>();
  private readonly createTx: (request: CreateRunRequest) => CreatedRun;
  private readonly pruneTx: (workflow: string, keep: number) => number;

  constructor(
    private readonly db: Database.Database,
    private readonly statements: Statements,
  ) {
    this.createTx = db.transaction((request: CreateRunRequest) => this.createIn(request)).immediate;
    this.pruneTx = db.transaction((workflow: string, keep: number) => this.pruneIn(workflow, keep)).immediate;
  }

  /** A run and its task records (no claim). */
  load(runId: string): StoredRun | undefined {
    const row = this.statements.selectRun.get(runId) as Row | undefined;
    if (!row) return undefined;
    const run = runFromRow(row);
    const lastSeq = Number(this.statements.lastSeq.pluck().get(runId) ?? 0);
    run.seq = Math.max(run.seq, lastSeq);
    const tasks = (this.statements.selectTasks.all(runId) as Row[]).map(taskFromRow);
    return { run, tasks };
  }

  /** One page of runs, newest first. */
  list(query: RunQuery | undefined): RunPage {
    const q = checkRunQuery(query);
    const { text, params } = this.listing(q);
    let statement = this.listings.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.listings.set(text, statement);
    }
    const rows = statement.all(...params, q.limit + 1) as Row[];
    const page: RunPage = { runs: rows.slice(0, q.limit).map(runFromRow) };
    if (rows.length > q.limit) page.nextPageToken = pageToken(Number((rows[q.limit - 1] as Row).ord));
    return page;
  }

  /** A run number of `workflow` that no run has: `wanted` when free, else the next free one. */
  freeNumber(workflow: string, wanted: number): number {
    if (!this.statements.numberTaken.get(workflow, wanted)) return wanted;
    let n = Number(this.statements.lastRun.pluck().get(workflow) ?? 0) + 1;
    while (this.statements.numberTaken.get(workflow, n)) n++;
    return n;
  }

  create(request: CreateRunRequest): CreatedRun {
    return this.createTx(request);
  }

  prune(workflow: string, keep: number): number {
    return this.pruneTx(workflow, Math.max(0, Math.floor(Number(keep)) || 0));
  }

  private createIn(request: CreateRunRequest): CreatedRun {
    const r = checkRunRequest(request, Date.now());
    const s = this.statements;
    if (r.idempotencyKey !== undefined) {
      const row = s.runByKey.get(r.workflow, r.idempotencyKey) as Row | undefined;
      if (row) {
        const run = runFromRow(row);
        if (canonicalJson(run.input) !== canonicalJson(r.input)) throw keyReused(r.idempotencyKey, run);
        return { run, created: false };
      }
    }
    if (r.concurrency !== undefined) {
      const blocking = s.unfinished.pluck().all(r.workflow) as string[];
      if (blocking.length >= r.concurrency) throw overConcurrency(r.workflow, r.concurrency, blocking);
    }
    let n = Number(s.lastRun.pluck().get(r.workflow) ?? 0) + 1;
    // A legacy job may hold the id (or number) this run would get: numbers skip it, never reuse it.
    while (s.runExists.get(`${r.workflow}-${n}`) || s.numberTaken.get(r.workflow, n)) n++;
    const run = newRunRecord(r, n, `${r.workflow}-${n}`);
    s.insertRun.run(runParams(run, 0, r.idempotencyKey ?? null, Date.now()));
    s.setLastRun.run(r.workflow, n);
    return { run, created: true };
  }

  private pruneIn(workflow: string, keep: number): number {
    const s = this.statements;
    const rows = s.finishedBeyond.all(workflow, keep) as Row[];
    let deleted = 0;
    for (const row of rows) {
      // A finished run that a process holds open (serving retries, say) waits for a later prune.
      if (typeof row.owner === 'string') continue;
      const id = String(row.id);
      s.deleteEvents.run(id);
      s.deleteTasks.run(id);
      s.deleteRun.run(id);
      deleted++;
    }
    return deleted;
  }

  /** The SQL of a listing query's shape, and its parameters (the limit goes last). */
  private listing(q: CheckedRunQuery): { text: string; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.workflow !== undefined) {
      where.push('r.workflow = ?');
      params.push(q.workflow);
    }
    if (q.states) {
      // ACTIVE and DONE read the (workflow,) done index; one state its own index.
      if (same(q.states, ACTIVE) || same(q.states, DONE)) {
        where.push('r.done = ?');
        params.push(same(q.states, DONE) ? 1 : 0);
      } else {
        const list = [...q.states];
        where.push(list.length === 1 ? 'r.state = ?' : `r.state IN (${list.map(() => '?').join(', ')})`);
        params.push(...list);
      }
    }
    if (q.before !== undefined) {
      where.push('r.ord < ?');
      params.push(q.before);
    }
    const text = `${RUN_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.ord DESC LIMIT ?`;
    return { text, params };
  }
}

import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { TaskEvent } from '../engine/messages.js';
import type { CommitBatch, OpenedRun, RunRecord, Store } from '../engine/store.js';
import { isDone } from '../engine/task-state.js';
import { RnrError } from '../errors.js';
import { describeOwner, dropClaim, type JobOwner, newClaim, ownerAlive } from './job-owner.js';
import { checkScheduleFire } from './schedule-claims.js';
import { type OpenSettings, openDatabase, storeError } from './sqlite-open.js';
import {
  eventFromRow,
  eventParams,
  ownerFromRow,
  runFromRow,
  runParams,
  runUpdateParams,
  sql,
  taskFromRow,
  taskParams,
} from './sqlite-rows.js';
import { SqliteRuns } from './sqlite-runs.js';
import { sqliteScheduleClaims } from './sqlite-schedule-claims.js';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * SQLite's `synchronous` level. `FULL` (default): a commit returns once the WAL is on disk, so
   * acknowledged actions survive a power loss too. `NORMAL` survives a killed process but may lose
   * the last commits on power loss or an OS crash.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long to wait for another process's write lock on the file. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Refuse to grow the file beyond this many bytes (commits then fail with `RNR_ERR_STORE_IO`). */
  maxBytes?: number;
  /**
   * Claim jobs even when their recorded owner may be alive (an owner on another host cannot be
   * checked). Only for when you know that process is gone.
   */
  takeOver?: boolean;
}

type Row = Record<string, unknown>;
type Statements = Record<keyof typeof sql, Database.Statement>;

function settingsOf(path: unknown, options: SqliteStoreOptions): OpenSettings {
  const bad = (what: string) => new RnrError('RNR_ERR_INVALID_OPTION', `sqliteStore: ${what}`);
  if (typeof path !== 'string' || path === '')
    throw bad(`path must be a non-empty string, got ${JSON.stringify(path)}`);
  const { synchronous = 'FULL', busyTimeoutMs = 5000, maxBytes } = options;
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw bad(`synchronous must be 'FULL' or 'NORMAL', got ${JSON.stringify(synchronous)}`);
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw bad(`busyTimeoutMs must be an integer ≥ 0, got ${JSON.stringify(busyTimeoutMs)}`);
  }
  if (maxBytes !== undefined && (!Number.isInteger(maxBytes) || maxBytes < 4096)) {
    throw bad(`maxBytes must be an integer ≥ 4096, got ${JSON.stringify(maxBytes)}`);
  }
  return { synchronous, busyTimeoutMs, maxBytes };
}

/**
 * A store in one SQLite file (WAL mode, one transaction per commit): the default of `rnr run`.
 * Opening refuses a file that is not an rnr store, or is from a newer rnr, without modifying it.
 * One process owns a run at a time: `openRun` rejects with `RNR_ERR_JOB_LOCKED` naming the owner's
 * pid@host while that process lives, and bumps the run's epoch, so a process that was taken over
 * has its next commit refused (`RNR_ERR_LEASE_LOST`). better-sqlite3 is synchronous: each method
 * does its work before it returns its (settled) promise.
 *
 * @example
 * const store = sqliteStore('.rnr/rnr.db');
 * const job = createJob({ id: 'upgrade', name: 'Upgrade', root, store });
 * await job.run();
 * await store.close();
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const settings = settingsOf(path, options);
  const file = path === ':memory:' ? path : resolve(path);
  const db = openDatabase(file, settings);
  const statements = Object.fromEntries(
    Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Statements;
  const runs = new SqliteRuns(db, statements);
  const claimFire = sqliteScheduleClaims(db);
  const claims = new Map<string, JobOwner>();
  let closed = false;

  /** Runs `fn` as the store's answer: its error named after the file, closed stores refused. */
  const guard = <T>(doing: string, fn: () => T): Promise<T> => {
    try {
      if (closed) throw new RnrError('RNR_ERR_STORE_CLOSED', `rnr store ${file} is closed`);
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(file, doing, err));
    }
  };

  const claimRun = db.transaction((run: RunRecord, claim: JobOwner): OpenedRun => {
    const row = statements.selectOwner.get(run.id) as Row | undefined;
    const owner = row && ownerFromRow(row);
    if (owner && (owner.token === claim.token || (!options.takeOver && ownerAlive(owner, claim)))) {
      const self = owner.pid === claim.pid && owner.host === claim.host;
      const advice = self
        ? 'close the other job or store first'
        : 'stop that process first (or, if it is gone, open the store with takeOver)';
      throw new RnrError(
        'RNR_ERR_JOB_LOCKED',
        `job ${JSON.stringify(run.id)} in rnr store ${file} is owned by ${describeOwner(owner)}${self ? ' (this process)' : ''}; ${advice}`,
      );
    }
    statements.upsertOwner.run({ jobId: run.id, ...claim });
    const stored = statements.selectRun.get(run.id) as Row | undefined;
    if (!stored) {
      const number = runs.freeNumber(run.workflow, run.run);
      const record: RunRecord = { ...run, run: number, seq: 0 };
      delete record.owner;
      statements.insertRun.run(runParams(record, 1, null, claim.since));
      statements.setLastRun.run(record.workflow, number);
      return { run: record, tasks: [], created: true, fence: { process: claim.token, epoch: 1 } };
    }
    const epoch = Number(statements.bumpEpoch.pluck().get(run.id));
    const record = runFromRow(stored);
    delete record.owner;
    // The log is the truth for seq: never hand out a seq that is already written.
    const lastSeq = Number(statements.lastSeq.pluck().get(run.id) ?? 0);
    record.seq = Math.max(record.seq, lastSeq);
    const tasks = (statements.selectTasks.all(run.id) as Row[]).map(taskFromRow);
    return { run: record, tasks, created: false, fence: { process: claim.token, epoch } };
  }).immediate;

  const writeBatch = db.transaction((batch: CommitBatch, token: string) => {
    const id = batch.run.id;
    // Still ours? A process that took the run over must not see our writes mixed in with its own.
    const row = statements.selectOwner.get(id) as Row | undefined;
    if (!row || ownerFromRow(row).token !== token) {
      const by = row ? ` by ${describeOwner(ownerFromRow(row))}` : '';
      throw new RnrError(
        'RNR_ERR_LEASE_LOST',
        `job ${JSON.stringify(id)} in rnr store ${file} was taken over${by}: nothing of this commit was written`,
      );
    }
    const updated = statements.updateRun.run(...runUpdateParams(batch.run, batch.fence?.epoch, Date.now()));
    if (updated.changes === 0) {
      if (!statements.runExists.get(id))
        throw new RnrError('RNR_ERR_JOB_NOT_FOUND', `job ${JSON.stringify(id)} is not in rnr store ${file}`);
      throw new RnrError(
        'RNR_ERR_LEASE_LOST',
        `job ${JSON.stringify(id)} in rnr store ${file} was opened again since (this writer's epoch ${batch.fence?.epoch}): nothing of this commit was written`,
      );
    }
    const { state } = batch.run;
    statements.updateRunState.run(state, isDone(state) ? 1 : 0, id, state);
    for (const task of batch.tasks) statements.upsertTask.run(taskParams(id, task));
    for (const event of batch.events) statements.insertEvent.run(eventParams(id, event));
  }).immediate;

  const release = (runId: string) => {
    const claim = claims.get(runId);
    if (!claim) return;
    claims.delete(runId);
    dropClaim(claim.token);
    statements.deleteOwner.run(runId, claim.token);
  };

  return {
    description: `sqlite:${file}`,
    openRun(run) {
      return guard(`opening job ${JSON.stringify(run.id)}`, () => {
        const claim = claims.get(run.id) ?? newClaim(Date.now());
        try {
          const opened = claimRun(run, claim);
          claims.set(run.id, claim);
          return opened;
        } catch (err) {
          if (!claims.has(run.id)) dropClaim(claim.token);
          throw err;
        }
      });
    },
    commit(batch) {
      return guard(`committing ${batch.events.length} events of job ${JSON.stringify(batch.run.id)}`, () => {
        const token = batch.fence?.process ?? claims.get(batch.run.id)?.token;
        if (token === undefined) {
          throw new RnrError(
            'RNR_ERR_JOB_NOT_FOUND',
            `job ${JSON.stringify(batch.run.id)} is not open in rnr store ${file}`,
          );
        }
        writeBatch(batch, token);
      });
    },
    events(runId, since, limit = Number.POSITIVE_INFINITY) {
      return guard(`reading events of job ${JSON.stringify(runId)}`, () => {
        const max = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : -1;
        const rows = statements.selectEvents.all(runId, since, max) as Row[];
        return rows.map(eventFromRow) satisfies TaskEvent[];
      });
    },
    releaseRun(runId) {
      return guard(`releasing job ${JSON.stringify(runId)}`, () => release(runId));
    },
    loadRun(runId) {
      return guard(`reading job ${JSON.stringify(runId)}`, () => runs.load(runId));
    },
    listRuns(query) {
      return guard('listing runs', () => runs.list(query));
    },
    createRun(request) {
      return guard(`creating a run of ${JSON.stringify(request?.workflow)}`, () => runs.create(request));
    },
    pruneRuns(workflow, keep) {
      return guard(`pruning runs of ${JSON.stringify(workflow)}`, () => runs.prune(workflow, keep));
    },
    claimScheduleFire(workflow, schedule, at) {
      return guard(`claiming a fire of ${JSON.stringify(workflow)}`, () =>
        claimFire(checkScheduleFire(workflow, schedule, at)),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const runId of [...claims.keys()]) {
        try {
          release(runId);
        } catch {
          // A claim left behind (say, on a full disk) is stale once this process is gone.
        }
      }
      for (const claim of claims.values()) dropClaim(claim.token);
      db.close();
    },
  };
}

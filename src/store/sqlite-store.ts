import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { TaskEvent } from '../engine/messages.js';
import type { CommitBatch, JobRecord, Store, StoredJobState } from '../engine/store.js';
import { RnrError } from '../errors.js';
import { describeOwner, dropClaim, type JobOwner, newClaim, ownerAlive } from './job-owner.js';
import { type OpenSettings, openDatabase, storeError } from './sqlite-open.js';
import {
  eventFromRow,
  eventParams,
  jobFromRow,
  jobParams,
  ownerFromRow,
  sql,
  taskFromRow,
  taskParams,
} from './sqlite-rows.js';

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
 * One process owns a job at a time: `openJob` throws `RNR_ERR_JOB_LOCKED` naming the owner's
 * pid@host while that process lives.
 *
 * @example
 * const store = sqliteStore('.rnr/rnr.db');
 * const job = createJob({ id: 'upgrade', name: 'Upgrade', root, store });
 * await job.run();
 * store.close();
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const settings = settingsOf(path, options);
  const file = path === ':memory:' ? path : resolve(path);
  const db = openDatabase(file, settings);
  const statements = Object.fromEntries(
    Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]),
  ) as Record<keyof typeof sql, Database.Statement>;
  const claims = new Map<string, JobOwner>();
  let closed = false;

  const guard = <T>(doing: string, fn: () => T): T => {
    if (closed) throw new RnrError('RNR_ERR_STORE_CLOSED', `rnr store ${file} is closed`);
    try {
      return fn();
    } catch (err) {
      throw storeError(file, doing, err);
    }
  };

  const claimJob = db.transaction((job: JobRecord, claim: JobOwner): StoredJobState | undefined => {
    const row = statements.selectOwner.get(job.id) as Row | undefined;
    const owner = row && ownerFromRow(row);
    if (owner && (owner.token === claim.token || (!options.takeOver && ownerAlive(owner, claim)))) {
      const self = owner.pid === claim.pid && owner.host === claim.host;
      const advice = self
        ? 'close the other job or store first'
        : 'stop that process first (or, if it is gone, open the store with takeOver)';
      throw new RnrError(
        'RNR_ERR_JOB_LOCKED',
        `job ${JSON.stringify(job.id)} in rnr store ${file} is owned by ${describeOwner(owner)}${self ? ' (this process)' : ''}; ${advice}`,
      );
    }
    statements.upsertOwner.run({ jobId: job.id, ...claim });
    const stored = statements.selectJob.get(job.id) as Row | undefined;
    if (!stored) {
      statements.insertJob.run(jobParams(job, claim.since));
      return undefined;
    }
    const jobRecord = jobFromRow(stored);
    // The log is the truth for seq: never hand out a seq that is already written.
    const lastSeq = Number(statements.lastSeq.pluck().get(job.id) ?? 0);
    jobRecord.seq = Math.max(jobRecord.seq, lastSeq);
    const tasks = (statements.selectTasks.all(job.id) as Row[]).map(taskFromRow);
    return { job: jobRecord, tasks };
  }).immediate;

  const writeBatch = db.transaction((batch: CommitBatch, claim: JobOwner) => {
    const jobId = batch.job.id;
    // Check we still own the job: another process that took over must not see our writes mixed in.
    const row = statements.selectOwner.get(jobId) as Row | undefined;
    if (!row || ownerFromRow(row).token !== claim.token) {
      const by = row ? ` by ${describeOwner(ownerFromRow(row))}` : '';
      throw new RnrError(
        'RNR_ERR_JOB_LOCKED',
        `job ${JSON.stringify(jobId)} in rnr store ${file} was taken over${by}`,
      );
    }
    statements.upsertJob.run(jobParams(batch.job, Date.now()));
    for (const task of batch.tasks) statements.upsertTask.run(taskParams(jobId, task));
    for (const event of batch.events) statements.insertEvent.run(eventParams(jobId, event));
  }).immediate;

  const release = (jobId: string) => {
    const claim = claims.get(jobId);
    if (!claim) return;
    claims.delete(jobId);
    dropClaim(claim.token);
    statements.deleteOwner.run(jobId, claim.token);
  };

  return {
    description: `sqlite:${file}`,
    openJob(job) {
      return guard(`opening job ${JSON.stringify(job.id)}`, () => {
        const claim = claims.get(job.id) ?? newClaim(Date.now());
        try {
          const state = claimJob(job, claim);
          claims.set(job.id, claim);
          return state;
        } catch (err) {
          if (!claims.has(job.id)) dropClaim(claim.token);
          throw err;
        }
      });
    },
    commit(batch) {
      guard(`committing ${batch.events.length} events of job ${JSON.stringify(batch.job.id)}`, () => {
        const claim = claims.get(batch.job.id);
        if (!claim) {
          throw new RnrError(
            'RNR_ERR_JOB_NOT_FOUND',
            `job ${JSON.stringify(batch.job.id)} is not open in rnr store ${file}`,
          );
        }
        writeBatch(batch, claim);
      });
    },
    events(jobId, since, limit = Number.POSITIVE_INFINITY) {
      return guard(`reading events of job ${JSON.stringify(jobId)}`, () => {
        const max = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : -1;
        const rows = statements.selectEvents.all(jobId, since, max) as Row[];
        return rows.map(eventFromRow) satisfies TaskEvent[];
      });
    },
    releaseJob(jobId) {
      guard(`releasing job ${JSON.stringify(jobId)}`, () => release(jobId));
    },
    listJobs() {
      return guard('listing jobs', () => (statements.listJobs.all() as Row[]).map(jobFromRow));
    },
    close() {
      if (closed) return;
      closed = true;
      for (const jobId of [...claims.keys()]) {
        try {
          release(jobId);
        } catch {
          // A claim left behind (say, on a full disk) is stale once this process is gone.
        }
      }
      for (const claim of claims.values()) dropClaim(claim.token);
      db.close();
    },
  };
}

import { isRnrError, RnrError } from '../../errors.js';
import { Coalesced } from './coalesced.js';
import type { PgDatabase } from './pg-database.js';

interface WellFormed {
  toWellFormed(): string;
}

/**
 * A string as the audit table keeps it, for people reading it with SQL: `jsonb` holds neither
 * U+0000 nor a lone surrogate, so a NUL becomes the text `\u0000` and a lone surrogate U+FFFD.
 */
function readable(value: string): string {
  return (value as unknown as WellFormed).toWellFormed().replaceAll('\0', '\\u0000');
}

/** Characters of a job id the indexed `job` column keeps (3 bytes each at most: far below btree's limit). */
const JOB_KEPT = 256;
/** Records one insert carries at most. */
const RECORDS_PER_INSERT = 500;
/** Records waiting for the database at most; past it, new ones are refused (the caller keeps its copy). */
const RECORDS_WAITING = 10_000;

/** One audit record: the run it is about, and the record itself (any JSON object). */
export interface PgAuditEntry {
  job: string;
  record: object;
}

/** Where a process appends its audit records in the database (a PostgreSQL store's `audit`). */
export interface PgAuditLog {
  /**
   * Appends a record; resolves once it is in the database. Rejects when the database refused it
   * or could not be reached, or (`RNR_ERR_STORE_IO`) when 10,000 records already wait for it.
   */
  append(entry: PgAuditEntry): Promise<void>;
}

/**
 * The cluster's audit trail in the `audit` table: every process appends what it answered (operator
 * actions, accepted and refused), so the trail of all processes is in one place beside the runs.
 * Appends are batched (one insert in flight, the records that come meanwhile in the next) and
 * never delay the answer they record.
 */
export class PgAudit implements PgAuditLog {
  private readonly inserts: Coalesced<PgAuditEntry, void>;
  private waiting = 0;

  constructor(
    private readonly db: PgDatabase,
    private readonly process: string,
  ) {
    this.inserts = new Coalesced((entries) => this.insert(entries), {
      maxCalls: RECORDS_PER_INSERT,
      // A record the server refuses (whatever it holds) fails alone, not the records beside it.
      alone: (err) => !isRnrError(err, 'RNR_ERR_STORE_UNAVAILABLE'),
    });
  }

  append(entry: PgAuditEntry): Promise<void> {
    if (this.waiting >= RECORDS_WAITING) {
      return Promise.reject(
        new RnrError(
          'RNR_ERR_STORE_IO',
          `audit record of job ${JSON.stringify(entry.job)} not written to the database: ${RECORDS_WAITING} records already wait for it`,
        ),
      );
    }
    this.waiting++;
    return this.inserts.call(entry).finally(() => {
      this.waiting--;
    });
  }

  private async insert(entries: PgAuditEntry[]): Promise<() => void> {
    const records = entries.map((e) =>
      JSON.stringify(e.record, (_key, value: unknown) =>
        typeof value === 'string' ? readable(value) : value,
      ),
    );
    await this.db.query(`writing ${entries.length} audit record(s)`, {
      text: `INSERT INTO ${this.db.schema}.audit (process, job, record)
        SELECT $1, x.job, x.record::jsonb FROM unnest($2::text[], $3::text[]) AS x(job, record)`,
      // The job column is indexed: a job id as long as a URL allows is cut (the record keeps it whole).
      values: [this.process, entries.map((e) => readable(e.job).slice(0, JOB_KEPT)), records],
    });
    return () => undefined;
  }
}

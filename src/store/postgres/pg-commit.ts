import { isRnrError } from '../../errors.js';
import { Coalesced } from './coalesced.js';
import type { PgDatabase } from './pg-database.js';
import { type CommitPart, commitParams, commitSql } from './pg-rows.js';
import { fromDb } from './text-codec.js';

/** Commit statements one store instance has in flight at once. */
const STATEMENTS_IN_FLIGHT = 2;
/** Runs one commit statement carries at most. */
const RUNS_PER_STATEMENT = 100;

/**
 * Group commit across the runs of one store instance. Each run commits one batch at a time (its
 * commit pipeline); the batches of different runs that arrive while {@link STATEMENTS_IN_FLIGHT}
 * commit statements are out go together in the next one — one transaction, one round trip, one WAL
 * flush for many runs, each still behind its own fence (commitSql). At rest a batch goes out at once,
 * alone; under load (a thousand runs moving) the commits a process sends stay few and large instead
 * of queueing by the hundred on the pool's connections, which keeps an operator's action — one more
 * batch — from waiting behind all of them. A statement the server refuses goes again run by run, so
 * only the run at fault fails.
 */
export class GroupCommits {
  private readonly group: Coalesced<CommitPart, boolean>;
  private readonly sql: string;

  constructor(
    private readonly db: PgDatabase,
    private readonly channel: string,
  ) {
    this.sql = commitSql(db.schema);
    this.group = new Coalesced((parts) => this.write(parts), {
      inflight: STATEMENTS_IN_FLIGHT,
      maxCalls: RUNS_PER_STATEMENT,
      // One part per run in a statement: its rows join the run's fenced UPDATE by run id, so two
      // parts of one run (a dropped job's late commit beside its successor's) would share a fence.
      apart: (part) => part.batch.run.id,
      alone: (err) => !isRnrError(err, 'RNR_ERR_STORE_UNAVAILABLE'),
    });
  }

  /** Writes the part, with whatever waits beside it: true when its fence matched, false when nothing of it was written. */
  commit(part: CommitPart): Promise<boolean> {
    return this.group.call(part);
  }

  /** One commit statement; whether each part's fence matched. */
  private async write(parts: CommitPart[]): Promise<(part: CommitPart) => boolean> {
    // In id order: a stale owner's statement and its successor's lock shared rows in one order.
    parts.sort((a, b) => (a.batch.run.id < b.batch.run.id ? -1 : a.batch.run.id > b.batch.run.id ? 1 : 0));
    let events = 0;
    for (const part of parts) events += part.batch.events.length;
    const first = JSON.stringify(parts[0]?.batch.run.id ?? '');
    const doing =
      parts.length === 1
        ? `committing ${events} events of job ${first}`
        : `committing ${events} events of ${parts.length} jobs (${first} and others)`;
    const { rows } = await this.db.query<{ written: unknown[] | null }>(doing, {
      name: `rnr-commit-${this.db.schema}`,
      text: this.sql,
      values: commitParams(parts, this.channel),
    });
    const written = new Set((rows[0]?.written ?? []).map(fromDb));
    return (part) => written.has(part.batch.run.id);
  }
}

import pg from 'pg';
import { type ErrorContext, failureKind, storeError, UNKNOWN_OUTCOME } from './pg-errors.js';
import { prepareSchema } from './pg-schema.js';
import type { StoreSettings } from './store-options.js';

/** Tries of a statement or transaction that failed on the connection or on a conflict. */
const ATTEMPTS = 4;
/** Waits before each new try (ms): a stale pooled connection is replaced at once, a restart gets a moment. */
const BACKOFF = [0, 200, 800];

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** When a transaction whose connection failed may run again (see {@link PgDatabase.transaction}). */
export type RetryPolicy =
  /** Running it twice does no harm (it reads, or it checks what it writes). */
  | 'always'
  /** Only when it failed before COMMIT was sent: afterwards its outcome is unknown. */
  | 'before-commit';

/**
 * rnr's connection to PostgreSQL: a pool that never crashes the process on a lost connection
 * (every client and the pool itself have an `'error'` listener, docs/postgres-notes.md), the schema
 * prepared on first use, and statements and transactions that run again, a few times within about a
 * second, when the connection failed under them — a pooled connection that died while idle, a
 * backend that was terminated — or when they lost a serialization conflict. Errors reach the
 * caller as RnrErrors with the password scrubbed.
 */
export class PgDatabase {
  readonly pool: pg.Pool;
  private schemaReady: Promise<void> | undefined;
  /** The last error a connection reported outside any query (for diagnosis; never thrown). */
  lastConnectionError: Error | undefined;

  constructor(
    private readonly settings: StoreSettings,
    readonly ctx: ErrorContext,
  ) {
    this.pool = new pg.Pool(settings.pool as pg.PoolConfig);
    const note = (err: Error) => {
      this.lastConnectionError = err;
    };
    // An idle client's error reaches the pool's listener; a checked-out client's (and the second
    // error pg emits after a termination) reaches its own.
    this.pool.on('error', note);
    this.pool.on('connect', (client) => client.on('error', note));
  }

  /** The quoted schema name, for SQL text. */
  get schema(): string {
    return `"${this.settings.schema}"`;
  }

  /**
   * Connects and prepares the schema (once; a failure is not kept, so the next call tries again).
   * Rejects with the reason the store cannot be used.
   */
  ready(): Promise<void> {
    this.schemaReady ??= this.prepare().catch((err: unknown) => {
      this.schemaReady = undefined;
      throw err;
    });
    return this.schemaReady;
  }

  private async prepare(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        await prepareSchema(client, this.settings.schema, `rnr store ${this.ctx.description}`);
        client.release();
        return;
      } catch (err) {
        client?.release(failureKind(err) === 'connection' ? (err as Error) : undefined);
        if (this.again(err, attempt, 'always')) {
          await wait(BACKOFF[attempt - 1] ?? 0);
          continue;
        }
        throw storeError(this.ctx, 'opening the store', err);
      }
    }
  }

  /** One statement (autocommit), tried again when its connection failed (it must be idempotent). */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    doing: string,
    query: pg.QueryConfig,
  ): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ready();
        return await this.pool.query<R>(query);
      } catch (err) {
        if (this.again(err, attempt, 'always')) {
          await wait(BACKOFF[attempt - 1] ?? 0);
          continue;
        }
        throw storeError(this.ctx, doing, err);
      }
    }
  }

  /**
   * Runs `body` in a transaction on one client, COMMIT checked (a failed statement turns COMMIT
   * into ROLLBACK without an error). Tried again after a conflict, and after a lost connection as
   * `retry` allows; a connection lost during COMMIT without a retry gives an error saying the
   * outcome is unknown.
   */
  async transaction<T>(
    doing: string,
    retry: RetryPolicy,
    body: (client: pg.PoolClient) => Promise<T>,
    begin = 'BEGIN',
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let committing = false;
      try {
        await this.ready();
        client = await this.pool.connect();
        await client.query(begin);
        const value = await body(client);
        committing = true;
        const done = await client.query('COMMIT');
        if (done.command !== 'COMMIT') throw new Error('the transaction was rolled back by the server');
        client.release();
        return value;
      } catch (err) {
        const lost = failureKind(err) === 'connection';
        if (client) {
          if (!lost) await client.query('ROLLBACK').catch(() => undefined);
          client.release(lost ? (err as Error) : undefined);
        }
        if (this.again(err, attempt, committing ? retry : 'always')) {
          await wait(BACKOFF[attempt - 1] ?? 0);
          continue;
        }
        throw storeError(this.ctx, doing, err, lost && committing ? UNKNOWN_OUTCOME : '');
      }
    }
  }

  private again(err: unknown, attempt: number, retry: RetryPolicy): boolean {
    if (attempt >= ATTEMPTS) return false;
    const kind = failureKind(err);
    return kind === 'conflict' || (kind === 'connection' && retry === 'always');
  }

  /** Closes every connection. */
  async end(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

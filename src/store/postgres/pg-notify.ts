import { createHash } from 'node:crypto';
import pg from 'pg';
import type { StoreFeed, StoreFeedListener, StoreNotice } from '../../engine/store.js';
import type { PgDatabase } from './pg-database.js';
import { fromDb, toDb } from './text-codec.js';

/** The `application_name` of the listening connection (find it in `pg_stat_activity`). */
export const LISTEN_APPLICATION = 'rnr-listen';

/** Timings of the listening connection (ms). */
export interface ListenTimings {
  /** Between health checks (`SELECT 1` on the listening connection). Default 5,000. */
  healthMs: number;
  /** A health check unanswered for this long counts as a dead connection. Default 3,000. */
  healthTimeoutMs: number;
  /** First wait before reconnecting; doubles up to `maxBackoffMs`. Default 100. */
  backoffMs: number;
  /** Default 5,000. */
  maxBackoffMs: number;
}

const DEFAULT_TIMINGS: ListenTimings = {
  healthMs: 5_000,
  healthTimeoutMs: 3_000,
  backoffMs: 100,
  maxBackoffMs: 5_000,
};

/** The channel a store NOTIFYs on: `rnr.<schema>` (a hash of it when that is too long for a name). */
export function noticeChannel(schema: string): string {
  const plain = `rnr.${schema}`;
  if (Buffer.byteLength(plain) <= 63) return plain;
  return `rnr.${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

/** Reads one payload: `e <seq> <run>`, `s <command> <run>` or `d <command> <run>`. */
export function parseNotice(payload: string): StoreNotice | undefined {
  const match = /^([esd]) (\d+) ([\s\S]*)$/.exec(payload);
  if (!match) return undefined;
  const [, kind, n, run] = match as unknown as [string, string, string, string];
  const runId = fromDb(run);
  if (kind === 'e') return { kind: 'events', runId, seq: Number(n) };
  return { kind: kind === 's' ? 'submitted' : 'settled', runId, command: n };
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The store's notices: ONE dedicated connection per store (never one of the pool's: a pooled
 * connection is handed around, and LISTEN belongs to a session), opened when the first watcher
 * comes, named {@link LISTEN_APPLICATION}. It is health-checked every few seconds with `SELECT 1`
 * (a LISTEN connection can die silently: a restarted server, a dropped NAT entry), and replaced
 * with a growing backoff whenever it fails; after every (re)connect each watcher hears
 * `connected()` and catches up from the tables, since notices sent meanwhile are lost.
 */
export class PgFeed implements StoreFeed {
  private readonly watchers = new Set<StoreFeedListener>();
  private readonly timings: ListenTimings;
  private running: Promise<void> | undefined;
  private client: pg.Client | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  /** Connections made so far (the first, then each reconnect). */
  connections = 0;

  constructor(
    private readonly db: PgDatabase,
    private readonly config: Record<string, unknown>,
    readonly channel: string,
    timings: Partial<ListenTimings> = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
  }

  watch(listener: StoreFeedListener): () => void {
    this.watchers.add(listener);
    if (this.client) queueMicrotask(() => this.tell((w) => w === listener && w.connected()));
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0) this.wake?.();
    };
  }

  async seqs(runIds: readonly string[]): Promise<Map<string, number>> {
    const seqs = new Map<string, number>();
    if (runIds.length === 0) return seqs;
    const { rows } = await this.db.query('reading the seq of runs', {
      text: `SELECT id, seq FROM ${this.db.schema}.runs WHERE id = ANY($1::text[])`,
      values: [runIds.map(toDb)],
    });
    for (const row of rows) seqs.set(fromDb(row.id), Number(row.seq));
    return seqs;
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.running;
  }

  private tell(fn: (watcher: StoreFeedListener) => unknown): void {
    for (const watcher of [...this.watchers]) {
      try {
        fn(watcher);
      } catch {
        // A watcher's failure is its own; the others still hear.
      }
    }
  }

  private get wanted(): boolean {
    return !this.closed && this.watchers.size > 0;
  }

  /** Waits until `ms` passed or something wakes the loop (a failure, the last watcher leaving, close). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    let backoff = this.timings.backoffMs;
    while (this.wanted) {
      const client = new pg.Client({ ...this.config, application_name: LISTEN_APPLICATION });
      let failed = false;
      const fail = (): void => {
        failed = true;
        this.wake?.();
      };
      client.on('error', fail);
      client.on('end', fail);
      client.on('notification', (message) => {
        if (message.channel !== this.channel || message.payload === undefined) return;
        const notice = parseNotice(message.payload);
        if (notice) this.tell((w) => w.notice(notice));
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdent(this.channel)}`);
        this.client = client;
        this.connections++;
        backoff = this.timings.backoffMs;
        this.tell((w) => w.connected());
        while (this.wanted && !failed) {
          await this.pause(this.timings.healthMs);
          if (!this.wanted || failed) break;
          if (!(await this.healthy(client))) break;
        }
      } catch {
        // Unreachable, refused, or dead mid-check: try again after the backoff.
      }
      this.client = undefined;
      client.removeAllListeners('notification');
      client.on('error', () => {});
      client.end().catch(() => undefined);
      if (!this.wanted) break;
      await this.pause(backoff);
      backoff = Math.min(backoff * 2, this.timings.maxBackoffMs);
    }
  }

  /** `SELECT 1` answered in time: the connection (and so the LISTEN) is alive. */
  private async healthy(client: pg.Client): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timings.healthTimeoutMs);
    });
    try {
      return await Promise.race([client.query('SELECT 1').then(() => true as const), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

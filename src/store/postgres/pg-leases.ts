import { performance } from 'node:perf_hooks';
import type { ClusterProcess, ClusterWatcher, RunRecord, StoreCluster } from '../../engine/store.js';
import { type LeaseTimings, leaseTimings } from '../lease-timings.js';
import type { PgDatabase } from './pg-database.js';
import type { PgProcess } from './pg-owner.js';
import { RUN_COLUMNS, runFromRow } from './pg-rows.js';
import { fromDb, toDb } from './text-codec.js';

const ms = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value));

/**
 * The leases of one store instance (one process) on PostgreSQL. Every `renewMs` one statement
 * upserts the process's row (its heartbeat and workflows) and extends the lease of every run it
 * owns to the database's `now()` plus `leaseMs`; it also forgets processes that have been silent
 * for ten leases and hold no live lease. The process acts on its runs only until `deadlineMs` after
 * it *sent* its last successful renewal (its own monotonic clock), which is before any of its leases
 * can lapse on the database's clock. Past that deadline it tells its watchers to stop every run,
 * and its next renewal gives all its runs back (they are claimed again, with a new epoch) instead
 * of extending them. docs/cluster.md has the timeline.
 */
export class PgLeases implements StoreCluster {
  readonly process: string;
  readonly leaseMs: number;
  private readonly timings: LeaseTimings;
  /** performance.now() past which this process must not act on its runs. */
  private deadline = Number.NEGATIVE_INFINITY;
  /** A deadline passed since the last renewal: the next one releases instead of renewing. */
  private lapsed = false;
  private workflows: string[] = [];
  private started: Promise<void> | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly watchers = new Set<ClusterWatcher>();
  private stopped = false;

  constructor(
    private readonly db: PgDatabase,
    private readonly me: PgProcess,
    leaseMs: number,
  ) {
    this.process = me.token;
    this.leaseMs = leaseMs;
    this.timings = leaseTimings(leaseMs);
  }

  private get s(): string {
    return this.db.schema;
  }

  /** True once the process has (or is getting) a row in the processes table. */
  get registered(): boolean {
    return this.started !== undefined;
  }

  holdsLeases(): boolean {
    return !this.stopped && performance.now() < this.deadline;
  }

  /** Registers the process (a first renewal) once, and keeps renewing from then on. */
  ensure(): Promise<void> {
    this.started ??= this.renew().then(
      () => this.schedule(),
      (err: unknown) => {
        this.started = undefined;
        throw err;
      },
    );
    return this.started;
  }

  async join(workflows: readonly string[]): Promise<void> {
    this.workflows = [...new Set(workflows)].sort();
    if (this.started) await this.renew();
    else await this.ensure();
  }

  watch(watcher: ClusterWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** A commit of this run was refused under a stale epoch. */
  lost(runId: string): void {
    this.tell((w) => w.lost?.(runId));
  }

  async claimable(workflows: readonly string[], limit: number): Promise<RunRecord[]> {
    if (workflows.length === 0 || limit <= 0) return [];
    const { rows } = await this.db.query('finding runs to take over', {
      name: `rnr-claimable-${this.s}`,
      text: `SELECT ${RUN_COLUMNS} FROM ${this.s}.runs r
        WHERE NOT r.done AND r.workflow = ANY($1::text[])
          AND (
            -- Its owner's lease lapsed (a run's lease is its owner process's).
            EXISTS (SELECT 1 FROM ${this.s}.processes p WHERE p.id = r.owner_process
              AND coalesce(p.lease_expires_at, '-infinity') < now())
            -- A run just created is its starting process's to open first (placement).
            OR (r.owner_process IS NULL AND r.updated_at < now() - $3::integer * interval '1 millisecond'))
        ORDER BY r.ord LIMIT $2`,
      values: [workflows.map(toDb), Math.floor(limit), this.timings.renewMs],
    });
    return rows.map(runFromRow);
  }

  async processes(): Promise<ClusterProcess[]> {
    const { rows } = await this.db.query('listing processes', {
      text: `SELECT p.id, p.host, p.pid, p.started_at, p.heartbeat_at, p.workflows,
          (SELECT count(*) FROM ${this.s}.runs r WHERE r.owner_process = p.id)::int AS runs
        FROM ${this.s}.processes p
        WHERE p.heartbeat_at > now() - $1 * interval '1 millisecond'
        ORDER BY p.started_at, p.id`,
      values: [this.leaseMs],
    });
    return rows.map((row) => ({
      id: String(row.id),
      host: fromDb(row.host),
      pid: Number(row.pid),
      startedAt: ms(row.started_at),
      heartbeatAt: ms(row.heartbeat_at),
      workflows: (row.workflows as string[] | null)?.map(fromDb) ?? [],
      runs: Number(row.runs),
    }));
  }

  /** Stops renewing (the store closes; its runs are released by the caller). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    this.watchers.clear();
  }

  /** One renewal: the statement, then the deadline moved from when it was sent. */
  private async renew(): Promise<void> {
    const sent = performance.now();
    // Woken past the deadline (a process stopped or starved): its runs stop before anything else.
    if (sent >= this.deadline && this.started !== undefined && this.deadline > Number.NEGATIVE_INFINITY)
      this.lapse();
    const release = this.lapsed;
    const me = this.me;
    await this.db.query(release ? 'giving back runs after a lapse' : 'renewing leases', {
      name: `rnr-renew-${release ? 'release' : 'extend'}-${this.s}`,
      text: `WITH beat AS (
          INSERT INTO ${this.s}.processes AS p
            (id, host, pid, boot_id, pid_namespace, proc_start, workflows, lease_expires_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7::text[], now() + $8::integer * interval '1 millisecond')
          ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), workflows = excluded.workflows,
            lease_expires_at = excluded.lease_expires_at
          RETURNING p.id
        ), leases AS (
          -- Only after a lapse: every run is given back (its lease may not be extended).
          UPDATE ${this.s}.runs SET owner_process = NULL, owned_since = NULL
          WHERE owner_process = $1 AND ${release ? 'true' : 'false'}
          RETURNING 1
        ), gone AS (
          -- Processes silent for ten leases: their runs' owner becomes NULL (claimable).
          DELETE FROM ${this.s}.processes p
          WHERE p.id <> $1 AND p.heartbeat_at < now() - $9::integer * interval '1 millisecond'
        )
        SELECT (SELECT count(*) FROM leases)::int AS runs`,
      values: [
        me.token,
        toDb(me.host),
        me.pid,
        me.bootId,
        me.pidNamespace,
        me.procStart,
        this.workflows.map(toDb),
        this.leaseMs,
        Math.max(60_000, this.leaseMs * 10),
      ],
      // A renewal that cannot answer before the deadline is no use: give up on it and try again.
      query_timeout: this.timings.deadlineMs,
    } as Parameters<PgDatabase['query']>[1]);
    if (this.stopped) return;
    if (release) this.lapsed = false;
    this.deadline = Math.max(this.deadline, sent + this.timings.deadlineMs);
    this.armDeadline();
    this.tell((w) => w.renewed?.());
  }

  /** Renews every `renewMs` from the last send, whatever the outcome (a failure is tried next time). */
  private schedule(): void {
    if (this.stopped) return;
    this.renewTimer = setTimeout(() => this.loop(), this.timings.renewMs);
    this.renewTimer.unref();
  }

  private loop(): void {
    if (this.stopped) return;
    const sent = performance.now();
    this.renew()
      .catch(() => undefined) // the deadline timer acts when renewals keep failing
      .finally(() => {
        if (this.stopped) return;
        const wait = Math.max(0, sent + this.timings.renewMs - performance.now());
        this.renewTimer = setTimeout(() => this.loop(), wait);
        this.renewTimer.unref();
      });
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const wait = Math.max(0, this.deadline - performance.now());
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), wait + 1);
    this.deadlineTimer.unref();
  }

  private checkDeadline(): void {
    if (this.stopped || this.lapsed) return;
    if (performance.now() < this.deadline) {
      this.armDeadline();
      return;
    }
    this.lapse();
  }

  private lapse(): void {
    if (this.lapsed || this.stopped) return;
    this.lapsed = true;
    this.tell((w) => w.lapsed?.());
  }

  private tell(call: (watcher: ClusterWatcher) => void): void {
    for (const watcher of [...this.watchers]) {
      try {
        call(watcher);
      } catch {
        // A watcher's failure is its own: the leases go on.
      }
    }
  }
}

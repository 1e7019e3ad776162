import { randomUUID } from 'node:crypto';
import {
  type CommitBatch,
  type OpenedRun,
  type RunRecord,
  SCHEDULE_FIRES_KEPT,
  type Store,
  type StoreCommands,
  type StoreFeed,
} from '../../engine/store.js';
import { isRnrError, RnrError } from '../../errors.js';
import { dropClaim } from '../job-owner.js';
import { checkScheduleFire } from '../schedule-claims.js';
import { Coalesced } from './coalesced.js';
import { PgAudit, type PgAuditLog } from './pg-audit.js';
import { PgCommands } from './pg-commands.js';
import { GroupCommits } from './pg-commit.js';
import { PgDatabase } from './pg-database.js';
import { storeError, UNKNOWN_OUTCOME } from './pg-errors.js';
import { PgLeases } from './pg-leases.js';
import { noticeChannel, PgFeed } from './pg-notify.js';
import { describeOwner, newProcess, ownerGone, processFromRow } from './pg-owner.js';
import { eventFromRow, insertRunSql, readRun, runValues } from './pg-rows.js';
import { PgRuns } from './pg-runs.js';
import { claimFireSql } from './pg-schedule-claims.js';
import { type PostgresStoreOptions, storeSettings } from './store-options.js';
import { fromDb, toDb } from './text-codec.js';

/** A store in PostgreSQL: the {@link Store} port, plus a way to check the database early. */
export interface PostgresStore extends Store {
  /**
   * Connects and prepares rnr's schema (created or migrated on first use). Every method does this
   * by itself; call it to fail fast at start-up with the reason the store cannot be used.
   */
  ready(): Promise<void>;
  /** The schema that holds rnr's tables. */
  readonly schema: string;
  /** Leases, placement and the process table: every PostgreSQL store may share its database. */
  readonly cluster: PgLeases;
  /** Durable operator commands (docs/cluster.md, "One API over all"). */
  readonly commands: StoreCommands;
  /** Notices of new events and commands, over one LISTEN connection (opened on first watch). */
  readonly feed: StoreFeed;
  /** The cluster's audit trail: the `audit` table every process appends its records to. */
  readonly audit: PgAuditLog;
}

/** An error that makes {@link PgDatabase.transaction} run its transaction again. */
function conflict(message: string): Error {
  return Object.assign(new Error(message), { code: '40001' });
}

/**
 * A store in PostgreSQL (`pg` 8 loads with this module, never with `rnr`): one database, rnr's
 * tables in a schema of their own (default `rnr`), created and migrated on first use — safely when
 * several processes start at once — and refused when it belongs to another application or to a
 * newer rnr. Each commit is one statement, so one transaction and one round trip, fenced in its own
 * write: under another epoch it changes nothing and fails `RNR_ERR_LEASE_LOST`. A run is owned by
 * one store instance at a time; `openRun` bumps its epoch. docs/durability.md ("PostgreSQL") says
 * what is stored where and what happens on each failure.
 *
 * @example
 * import { postgresStore } from 'rnr/postgres';
 * const store = postgresStore(process.env.DATABASE_URL ?? 'postgres://rnr@localhost/rnr');
 * await store.ready(); // optional: fail fast on a wrong password or an unreachable server
 * const job = createJob({ id: 'upgrade', name: 'Upgrade', root, store });
 * await job.run();
 * await store.close();
 */
export function postgresStore(
  target: string | PostgresStoreOptions,
  options?: PostgresStoreOptions,
): PostgresStore {
  const settings = storeSettings(target, options);
  const ctx = { description: settings.description, secrets: settings.secrets };
  const db = new PgDatabase(settings, ctx);
  const runs = new PgRuns(db);
  const s = db.schema;
  const me = newProcess();
  const leases = new PgLeases(db, me, settings.leaseMs);
  /** Runs this instance holds open, with the epoch it opened them in. */
  const claims = new Map<string, number>();
  const channel = noticeChannel(settings.schema);
  const pgCommands = new PgCommands(db, channel, me.token, (id) => claims.get(id));
  const pgFeed = new PgFeed(db, settings.pool, channel);
  const commits = new GroupCommits(db, channel);
  const pgAudit = new PgAudit(db, me.token);
  /** Audit appends not settled yet: a clean close waits a little for them. */
  const appending = new Set<Promise<void>>();
  let registered = false;
  let closed = false;

  const run = <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    if (closed)
      return Promise.reject(
        new RnrError('RNR_ERR_STORE_CLOSED', `rnr store ${settings.description} is closed`),
      );
    try {
      return fn().catch((err: unknown) => {
        throw storeError(ctx, doing, err);
      });
    } catch (err) {
      return Promise.reject(storeError(ctx, doing, err));
    }
  };
  const quoted = (id: string) => JSON.stringify(id);
  /** Releases asked while one is in flight go together (runs often end in bursts). */
  const releases = new Coalesced<{ runId: string; epoch: number }, void>(async (released) => {
    const one = released.length === 1 ? `job ${quoted(released[0]?.runId ?? '')}` : `${released.length} jobs`;
    await db.query(`releasing ${one}`, {
      text: `UPDATE ${s}.runs r SET owner_process = NULL, owned_since = NULL
        FROM unnest($1::text[], $2::bigint[]) AS x(id, epoch)
        WHERE r.id = x.id AND r.owner_process = $3 AND r.epoch = x.epoch`,
      values: [released.map((x) => toDb(x.runId)), released.map((x) => x.epoch), me.token],
    });
    return () => undefined;
  });

  const openRun = (record: RunRecord): Promise<OpenedRun> =>
    db.transaction(`opening job ${quoted(record.id)}`, 'always', async (client) => {
      await client.query(
        `INSERT INTO ${s}.processes (id, host, pid, boot_id, pid_namespace, proc_start, lease_expires_at)
          VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond') ON CONFLICT (id) DO NOTHING`,
        [me.token, toDb(me.host), me.pid, me.bootId, me.pidNamespace, me.procStart, settings.leaseMs],
      );
      registered = true;
      const id = toDb(record.id);
      // A run's lease is its owner's: lapsed when that process stopped renewing (or has no lease).
      const ownerSql = `SELECT r.owner_process, r.owned_since,
          coalesce(p.lease_expires_at, '-infinity') < now() AS lapsed,
          p.host AS owner_host, p.pid AS owner_pid, p.boot_id AS owner_boot_id,
          p.pid_namespace AS owner_pid_namespace, p.proc_start AS owner_proc_start
        FROM ${s}.runs r LEFT JOIN ${s}.processes p ON p.id = r.owner_process
        WHERE r.id = $1`;
      // The row lock first, then the owner's row as it is now (a join read under FOR UPDATE would
      // keep the owner's process row from before the wait).
      const lock = `SELECT 1 FROM ${s}.runs WHERE id = $1 FOR UPDATE`;
      await client.query(lock, [id]);
      let found = (await client.query(ownerSql, [id])).rows[0];
      if (!found) {
        // A job the store does not know (created without createRun): recorded now, under its
        // workflow's counter lock like every new run; another process may have got there first.
        await runs.lockCounter(client, toDb(record.workflow));
        await client.query(lock, [id]);
        found = (await client.query(ownerSql, [id])).rows[0];
        if (!found) {
          const number = await runs.freeNumber(client, record.workflow, record.run);
          const fresh: RunRecord = { ...record, run: number, seq: 0 };
          delete fresh.owner;
          const inserted = await client.query(insertRunSql(s), [...runValues(fresh, undefined), 1, me.token]);
          if (inserted.rowCount === 0) throw conflict(`job ${quoted(record.id)} was recorded meanwhile`);
          await client.query(
            `UPDATE ${s}.workflows SET last_run = greatest(last_run, $2) WHERE workflow = $1`,
            [toDb(fresh.workflow), number],
          );
          return { run: fresh, tasks: [], created: true, fence: { process: me.token, epoch: 1 } };
        }
      }
      const owner = typeof found.owner_process === 'string' ? found.owner_process : undefined;
      if (owner === me.token && claims.has(record.id)) {
        throw new RnrError(
          'RNR_ERR_JOB_LOCKED',
          `job ${quoted(record.id)} is already open in this store (${settings.description}); close the other job first`,
        );
      }
      if (owner !== undefined && owner !== me.token && found.lapsed !== true && !settings.takeOver) {
        const holder = processFromRow(found);
        if (!ownerGone(holder, me)) {
          throw new RnrError(
            'RNR_ERR_JOB_LOCKED',
            `job ${quoted(record.id)} in rnr store ${settings.description} is owned by ${describeOwner(holder)}; stop that process first (or, if it is gone, open the store with takeOver)`,
          );
        }
      }
      const claimed = await client.query<{ epoch: string }>(
        `UPDATE ${s}.runs SET epoch = epoch + 1, owner_process = $2, owned_since = now()
          WHERE id = $1 RETURNING epoch`,
        [id, me.token],
      );
      const epoch = Number(claimed.rows[0]?.epoch);
      const stored = await readRun(client, s, record.id);
      if (!stored) throw new Error(`job ${quoted(record.id)} vanished while it was being opened`);
      delete stored.run.owner;
      return { ...stored, created: false, fence: { process: me.token, epoch } };
    });

  /** Why a commit's fence matched no row: lost, not found, or (a retried statement) already written. */
  const refusal = async (batch: CommitBatch, epoch: number, owner: string): Promise<RnrError | undefined> => {
    const id = batch.run.id;
    const { rows } = await db.query(`checking job ${quoted(id)}`, {
      text: `SELECT r.epoch, r.owner_process, r.seq, r.owned_since, p.pid AS owner_pid, p.host AS owner_host
        FROM ${s}.runs r LEFT JOIN ${s}.processes p ON p.id = r.owner_process WHERE r.id = $1`,
      values: [toDb(id)],
    });
    const row = rows[0];
    if (!row)
      return new RnrError(
        'RNR_ERR_JOB_NOT_FOUND',
        `job ${quoted(id)} is not in rnr store ${settings.description}`,
      );
    if (Number(row.epoch) !== epoch || row.owner_process !== owner) {
      const now =
        typeof row.owner_process === 'string'
          ? ` by pid ${row.owner_pid}@${fromDb(row.owner_host)} (epoch ${row.epoch})`
          : ' (it was released)';
      return new RnrError(
        'RNR_ERR_LEASE_LOST',
        `job ${quoted(id)} in rnr store ${settings.description} was opened again since${now}; this writer's epoch is ${epoch}: nothing of this commit was written`,
      );
    }
    // Our statement ran twice (the first answer was lost): the first one wrote the batch.
    if (Number(row.seq) === batch.run.seq && batch.events.length > 0) return undefined;
    return new RnrError(
      'RNR_ERR_INTERNAL',
      `job ${quoted(id)}: the batch continues from seq ${batch.run.seq - batch.events.length}, but the store holds seq ${row.seq}: nothing of this commit was written`,
    );
  };

  const commit = async (batch: CommitBatch): Promise<void> => {
    const id = batch.run.id;
    const epoch = batch.fence?.epoch ?? claims.get(id);
    const owner = batch.fence?.process ?? me.token;
    if (epoch === undefined)
      throw new RnrError(
        'RNR_ERR_JOB_NOT_FOUND',
        `job ${quoted(id)} is not open in rnr store ${settings.description}`,
      );
    const first = batch.run.seq - batch.events.length + 1;
    batch.events.forEach((event, i) => {
      if (event.seq !== first + i)
        throw new RnrError(
          'RNR_ERR_INTERNAL',
          `job ${quoted(id)}: event seq ${event.seq} breaks the batch's run of seqs ${first}..${batch.run.seq}`,
        );
    });
    let written: boolean;
    try {
      written = await commits.commit({ batch, epoch, owner, applied: pgCommands.appliedBy(batch) });
    } catch (err) {
      if (isRnrError(err, 'RNR_ERR_STORE_UNAVAILABLE'))
        throw new RnrError(err.code, `${err.message}${UNKNOWN_OUTCOME}`);
      throw err;
    }
    if (written) return;
    const refused = await refusal(batch, epoch, owner);
    if (!refused) return;
    // Only the current claim is lost: a late commit of a job this process already replaced (it
    // dropped the run, then took it again under a new epoch) must not take the new one down.
    if (refused.code === 'RNR_ERR_LEASE_LOST' && claims.get(id) === epoch) {
      claims.delete(id);
      leases.lost(id);
    }
    throw refused;
  };

  return {
    description: settings.description,
    schema: settings.schema,
    cluster: leases,
    audit: {
      append(entry) {
        const appended = run('writing an audit record', () => pgAudit.append(entry));
        const settled = appended.then(
          () => undefined,
          () => undefined,
        );
        appending.add(settled);
        void settled.then(() => appending.delete(settled));
        return appended;
      },
    },
    ready: () => run('opening the store', () => db.ready()),
    openRun(record) {
      return run(`opening job ${quoted(record.id)}`, async () => {
        // The process's row and the renewal of its leases, before it holds any.
        await leases.ensure();
        const opened = await openRun(record);
        claims.set(record.id, opened.fence?.epoch ?? 0);
        return opened;
      });
    },
    commit(batch) {
      return run(`committing job ${quoted(batch.run.id)}`, () => commit(batch));
    },
    releaseRun(runId) {
      return run(`releasing job ${quoted(runId)}`, async () => {
        const epoch = claims.get(runId);
        if (epoch === undefined) return;
        claims.delete(runId);
        await releases.call({ runId, epoch });
      });
    },
    events(runId, since, limit = Number.POSITIVE_INFINITY) {
      return run(`reading events of job ${quoted(runId)}`, async () => {
        const max = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : null;
        const { rows } = await db.query(`reading events of job ${quoted(runId)}`, {
          name: `rnr-events-${s}`,
          text: `SELECT * FROM ${s}.events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
          values: [toDb(runId), Math.max(0, Math.floor(Number(since) || 0)), max],
        });
        return rows.map(eventFromRow);
      });
    },
    loadRun(runId) {
      return run(`reading job ${quoted(runId)}`, () => runs.load(runId));
    },
    listRuns(query) {
      return run('listing runs', () => runs.list(query));
    },
    commands: {
      submit: (request) =>
        run(`recording a command for job ${quoted(String(request?.runId))}`, () =>
          pgCommands.submit(request),
        ),
      get: (id) => run(`reading command ${quoted(String(id))}`, () => pgCommands.get(id)),
      pending: (runId) =>
        run(`reading the commands of job ${quoted(runId)}`, () => pgCommands.pending(runId)),
      waiting: (runIds) => run('looking for pending commands', () => pgCommands.waiting(runIds)),
      applying: (command, seq) => pgCommands.applying(command, seq),
      refuse: (command, error) =>
        run(`refusing command ${quoted(command.id)}`, () => pgCommands.refuse(command, error)),
    },
    feed: {
      watch: (listener) => pgFeed.watch(listener),
      seqs: (runIds) => run('reading the seq of runs', () => pgFeed.seqs(runIds)),
    },
    createRun(request) {
      return run(`creating a run of ${quoted(String(request?.workflow))}`, () => runs.create(request));
    },
    pruneRuns(workflow, keep) {
      return run(`pruning runs of ${quoted(workflow)}`, () => runs.prune(workflow, keep));
    },
    claimScheduleFire(workflow, schedule, at) {
      const doing = `claiming a fire of ${quoted(String(workflow))}`;
      return run(doing, async () => {
        const fire = checkScheduleFire(workflow, schedule, at);
        const { rows } = await db.query<{ won: boolean }>(doing, {
          name: `rnr-claim-fire-${s}`,
          text: claimFireSql(s),
          values: [
            toDb(fire.workflow),
            toDb(fire.schedule),
            fire.at,
            `${me.token}/${randomUUID()}`,
            SCHEDULE_FIRES_KEPT - 2,
          ],
        });
        return rows[0]?.won === true;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (appending.size > 0) {
        // The audit records of the last answers, unless the database keeps them waiting.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        });
        await Promise.race([Promise.all(appending), late]);
        clearTimeout(timer);
      }
      leases.stop();
      claims.clear();
      if (registered || leases.registered) {
        // Give every run back and leave the process table: the next owner need not wait or check.
        await db
          .query('closing', {
            text: `WITH released AS (
                UPDATE ${s}.runs SET owner_process = NULL, owned_since = NULL
                WHERE owner_process = $1
              ) DELETE FROM ${s}.processes WHERE id = $1`,
            values: [me.token],
          })
          .catch(() => undefined); // unreachable: the next opener finds this process gone
      }
      dropClaim(me.token);
      await pgFeed.close();
      await db.end();
    },
  };
}

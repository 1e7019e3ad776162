import type pg from 'pg';
import { RnrError } from '../../errors.js';

/**
 * rnr's tables in PostgreSQL, as an ordered list of steps. Never edit a released step: append one.
 * Each runs inside the migrating transaction, with `$schema` replaced by the quoted schema name.
 * docs/durability.md ("PostgreSQL") has the table of what is stored where.
 */
export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

/** The comment on `<schema>.migrations` that marks a schema as an rnr store. */
export const SCHEMA_MARK = 'rnr store schema';

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    description:
      'processes, workflows (run counters), runs (with owner, epoch and lease for fencing), tasks, events',
    sql: `
      -- One row per store instance that opened runs: who owns a run (runs.owner_process).
      CREATE TABLE $schema.processes (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        boot_id text NOT NULL DEFAULT '',
        pid_namespace text NOT NULL DEFAULT '',
        proc_start text NOT NULL DEFAULT '',
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        workflows text[] NOT NULL DEFAULT '{}'
      );
      -- The last run number of each workflow: numbers are never reused, even once runs are pruned.
      CREATE TABLE $schema.workflows (
        workflow text PRIMARY KEY,
        last_run bigint NOT NULL
      );
      CREATE TABLE $schema.runs (
        ord bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        name text NOT NULL,
        workflow text NOT NULL,
        run bigint NOT NULL,
        input text NOT NULL DEFAULT '{}',
        trigger smallint NOT NULL DEFAULT 0,
        started_by text NOT NULL DEFAULT '',
        labels text NOT NULL DEFAULT '{}',
        state smallint NOT NULL,
        done boolean GENERATED ALWAYS AS (state IN (3, 4, 5)) STORED,
        counts text NOT NULL,
        total integer NOT NULL,
        created_at double precision NOT NULL,
        started_at double precision,
        finished_at double precision,
        seq bigint NOT NULL DEFAULT 0,
        epoch bigint NOT NULL DEFAULT 0,
        owner_process text REFERENCES $schema.processes (id) ON DELETE SET NULL,
        owned_since timestamptz,
        lease_expires_at timestamptz,
        idempotency_key text,
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 70);
      CREATE UNIQUE INDEX runs_number ON $schema.runs (workflow, run);
      CREATE UNIQUE INDEX runs_idempotency ON $schema.runs (workflow, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      -- Listing reads these newest first (ord descending), a page at a time from a position.
      CREATE INDEX runs_by_workflow ON $schema.runs (workflow, ord);
      CREATE INDEX runs_by_done ON $schema.runs (done, ord);
      CREATE INDEX runs_by_state ON $schema.runs (state, ord);
      CREATE INDEX runs_by_workflow_done ON $schema.runs (workflow, done, ord);
      CREATE INDEX runs_by_owner ON $schema.runs (owner_process) WHERE owner_process IS NOT NULL;
      CREATE TABLE $schema.tasks (
        run_id text NOT NULL,
        task_id text NOT NULL,
        parent_id text NOT NULL,
        position integer NOT NULL,
        name text NOT NULL,
        kind smallint NOT NULL,
        state smallint NOT NULL,
        message text NOT NULL,
        paused boolean NOT NULL,
        parallelism double precision NOT NULL,
        parallelism_set boolean NOT NULL,
        fail_fast boolean NOT NULL,
        attempt integer NOT NULL,
        approval text,
        labels text NOT NULL,
        created_at double precision NOT NULL,
        started_at double precision,
        finished_at double precision,
        updated_at double precision NOT NULL,
        poll_errors integer NOT NULL,
        state_set_by_operator boolean NOT NULL,
        machine_snapshot text,
        PRIMARY KEY (run_id, task_id)
      ) WITH (fillfactor = 80);
      CREATE TABLE $schema.events (
        run_id text NOT NULL,
        seq bigint NOT NULL,
        task_id text NOT NULL,
        from_state smallint NOT NULL,
        to_state smallint NOT NULL,
        paused boolean NOT NULL,
        message text NOT NULL,
        cause smallint NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        time double precision NOT NULL,
        action text NOT NULL,
        attempt integer NOT NULL,
        parallelism double precision NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
    `,
  },
  {
    version: 2,
    description: "automatic retries: a waiting task's retry time, on its record and on its events",
    sql: `
      ALTER TABLE $schema.tasks ADD COLUMN retry_at double precision;
      ALTER TABLE $schema.events ADD COLUMN retry_at double precision;
    `,
  },
  {
    version: 3,
    description:
      'schedule fires claimed (workflow, schedule, fire time): processes sharing the store start one run per time',
    sql: `
      CREATE TABLE $schema.schedule_fires (
        workflow text NOT NULL,
        schedule text NOT NULL,
        fire_at bigint NOT NULL,
        claimed_by text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow, schedule, fire_at)
      );
      `,
  },
  {
    version: 4,
    description: 'commands: operator actions recorded by any process, applied once, in order, by the owner',
    sql: `
      CREATE TABLE $schema.commands (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id text NOT NULL REFERENCES $schema.runs (id) ON DELETE CASCADE,
        op text NOT NULL,
        task text NOT NULL,
        args text NOT NULL DEFAULT '{}',
        actor text NOT NULL,
        reason text,
        idempotency_key text,
        created_by text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'refused')),
        settled_at timestamptz,
        epoch bigint,
        result text,
        error text
      );
      CREATE UNIQUE INDEX commands_key ON $schema.commands (run_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX commands_pending ON $schema.commands (run_id, id) WHERE status = 'pending';
      CREATE INDEX commands_by_run ON $schema.commands (run_id);
    `,
  },
  {
    version: 5,
    description:
      "a run's lease is its owner's: one expiry per process, renewed by one row's update (no run row locked)",
    sql: `
      ALTER TABLE $schema.processes ADD COLUMN lease_expires_at timestamptz;
      -- The runs' leases as they stand become their owners' (a process mid-renewal keeps its runs).
      UPDATE $schema.processes p SET lease_expires_at = (
        SELECT max(r.lease_expires_at) FROM $schema.runs r WHERE r.owner_process = p.id);
      ALTER TABLE $schema.runs DROP COLUMN lease_expires_at;
    `,
  },
  {
    version: 6,
    description: "the cluster's audit trail: every process's audit records in one table",
    sql: `
      CREATE TABLE $schema.audit (
        id bigserial PRIMARY KEY,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        process text NOT NULL,
        job text NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX audit_by_job ON $schema.audit (job, id);
      CREATE INDEX audit_by_time ON $schema.audit (recorded_at);
    `,
  },
];

/** The schema version this build of rnr writes. */
export const PG_SCHEMA_VERSION: number = pgMigrations[pgMigrations.length - 1]?.version ?? 0;

/** The advisory lock's first key: the bytes `rnrS`. The second is the schema name's hash. */
const LOCK_CLASS = 0x726e7253;

interface Found {
  /** The schema exists. */
  exists: boolean;
  /** The schema's migrations table carries rnr's mark. */
  ours: boolean;
  /** The schema's version (0 when it has none yet). */
  version: number;
  /** Up to 5 relations of a schema that is not ours (for the message). */
  foreign: string[];
}

async function inspect(client: pg.ClientBase, schema: string): Promise<Found> {
  const { rows } = await client.query<{ marked: string | null; relations: string[] | null }>(
    `SELECT obj_description(to_regclass(quote_ident($1) || '.migrations'), 'pg_class') AS marked,
            (SELECT array_agg(relname::text ORDER BY relname) FROM pg_class
              WHERE relnamespace = n.oid AND relkind IN ('r', 'p', 'v', 'm', 'f')) AS relations
       FROM pg_namespace n WHERE n.nspname = $1`,
    [schema],
  );
  const row = rows[0];
  if (!row) return { exists: false, ours: false, version: 0, foreign: [] };
  const relations = row.relations ?? [];
  const ours = typeof row.marked === 'string' && row.marked.startsWith(SCHEMA_MARK);
  if (!ours) return { exists: true, ours, version: 0, foreign: relations.slice(0, 5) };
  const version = await client.query<{ v: number | null }>(
    `SELECT max(version)::int AS v FROM ${quote(schema)}.migrations`,
  );
  return { exists: true, ours, version: version.rows[0]?.v ?? 0, foreign: [] };
}

function quote(schema: string): string {
  return `"${schema.replaceAll('"', '""')}"`;
}

/** Throws when the schema is not ours or is newer than this build; true when it is current. */
function judge(found: Found, schema: string, where: string): boolean {
  if (found.exists && !found.ours && found.foreign.length > 0) {
    throw new RnrError(
      'RNR_ERR_STORE_NOT_RNR',
      `${where}: schema "${schema}" is not an rnr store: it holds other tables (${found.foreign.join(', ')}) and no rnr migrations table; give rnr a schema of its own (option schema, or ?schema= in the URL). Nothing was changed`,
    );
  }
  if (found.version > PG_SCHEMA_VERSION) {
    throw new RnrError(
      'RNR_ERR_STORE_SCHEMA_NEWER',
      `${where}: schema "${schema}" has version ${found.version}, newer than the ${PG_SCHEMA_VERSION} this rnr understands; upgrade rnr. Nothing was changed`,
    );
  }
  return found.ours && found.version === PG_SCHEMA_VERSION;
}

/**
 * Makes sure `schema` holds rnr's tables at this build's version: reads first (a current schema
 * costs one or two queries and no lock); otherwise creates or migrates it in one transaction under
 * a transaction-scoped advisory lock (never a session lock: poolers hand sessions around), reading
 * again under the lock, so processes starting at once migrate it once. A schema of another
 * application, or of a newer rnr, is refused before anything is written.
 */
export async function prepareSchema(client: pg.ClientBase, schema: string, where: string): Promise<void> {
  if (judge(await inspect(client, schema), schema, where)) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    const found = await inspect(client, schema);
    if (!judge(found, schema, where)) {
      const q = quote(schema);
      if (!found.exists) await client.query(`CREATE SCHEMA ${q}`);
      if (!found.ours) {
        await client.query(`CREATE TABLE ${q}.migrations (
          version integer PRIMARY KEY,
          description text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        await client.query(
          `COMMENT ON TABLE ${q}.migrations IS '${SCHEMA_MARK}: the steps applied to this schema (see rnr docs/durability.md)'`,
        );
      }
      for (const step of pgMigrations) {
        if (step.version <= found.version) continue;
        await client.query(step.sql.replaceAll('$schema', q));
        await client.query(`INSERT INTO ${q}.migrations (version, description) VALUES ($1, $2)`, [
          step.version,
          step.description,
        ]);
      }
    }
    const done = await client.query('COMMIT');
    if (done.command !== 'COMMIT') throw new Error('the migration transaction was rolled back');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

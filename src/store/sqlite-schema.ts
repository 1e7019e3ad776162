import type Database from 'better-sqlite3';
import { taskStateNames } from '../engine/task-state.js';
import { RnrError } from '../errors.js';

/**
 * The SQLite `application_id` of an rnr store: the bytes `rnrS`. A database with any other id (or
 * with tables but no id) is not ours and is never written to.
 */
export const APPLICATION_ID = 0x726e7253;

/** One step of the schema: applied in order, inside the opening transaction. */
export interface Migration {
  /** The `user_version` once this step is applied. */
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/**
 * Every schema step, oldest first. Never edit a released step: append a new one. The tests keep a
 * literal copy of each older layout and check that it opens and migrates.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'jobs, tasks (keyed by job and task id) and the event log (keyed by job and seq)',
    up(db) {
      db.exec(`
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          seq INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL
        );
        -- WITHOUT ROWID: one B-tree keyed by (job, task), so an upsert touches one tree, not a
        -- table and its index (about half the cost of a commit).
        CREATE TABLE tasks (
          job_id TEXT NOT NULL,
          task_id TEXT NOT NULL,
          parent_id TEXT NOT NULL,
          name TEXT NOT NULL,
          kind INTEGER NOT NULL,
          state INTEGER NOT NULL,
          message TEXT NOT NULL,
          paused INTEGER NOT NULL,
          parallelism INTEGER NOT NULL,
          parallelism_set INTEGER NOT NULL,
          attempt INTEGER NOT NULL,
          approval TEXT,
          labels TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          updated_at INTEGER NOT NULL,
          poll_errors INTEGER NOT NULL,
          state_set_by_operator INTEGER NOT NULL,
          machine_snapshot TEXT,
          PRIMARY KEY (job_id, task_id)
        ) WITHOUT ROWID;
        CREATE TABLE events (
          job_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          task_id TEXT NOT NULL,
          from_state INTEGER NOT NULL,
          to_state INTEGER NOT NULL,
          paused INTEGER NOT NULL,
          message TEXT NOT NULL,
          cause INTEGER NOT NULL,
          actor TEXT NOT NULL,
          reason TEXT NOT NULL,
          time INTEGER NOT NULL,
          PRIMARY KEY (job_id, seq)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: "events record the operator's action, the attempt and the parallelism; job owners",
    up(db) {
      db.exec(`
        ALTER TABLE events ADD COLUMN action TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN parallelism INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE owners (
          job_id TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          since INTEGER NOT NULL,
          boot_id TEXT NOT NULL,
          proc_start TEXT NOT NULL,
          token TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    description:
      'jobs become runs (workflow, number, input, trigger, starter, root state, counts, fencing epoch, idempotency key; a job keeps its id as run 1 of workflow = its id), per-workflow run counters, task positions',
    up(db) {
      const counts = taskStateNames
        .map(
          (name, state) =>
            `'${name}', (SELECT count(*) FROM tasks t WHERE t.job_id = j.id AND t.state = ${state})`,
        )
        .join(', ');
      db.exec(`
        CREATE TABLE runs (
          ord INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          workflow TEXT NOT NULL,
          run INTEGER NOT NULL,
          input TEXT NOT NULL DEFAULT '{}',
          trigger INTEGER NOT NULL DEFAULT 0,
          started_by TEXT NOT NULL DEFAULT '',
          labels TEXT NOT NULL DEFAULT '{}',
          state INTEGER NOT NULL,
          done INTEGER NOT NULL,
          counts TEXT NOT NULL,
          total INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          seq INTEGER NOT NULL DEFAULT 0,
          epoch INTEGER NOT NULL DEFAULT 0,
          idempotency_key TEXT,
          updated_at INTEGER NOT NULL
        );
        INSERT INTO runs (id, name, workflow, run, state, done, counts, total, created_at, started_at,
            finished_at, seq, updated_at)
          SELECT j.id, j.name, j.id, 1, coalesce(root.state, 1), coalesce(root.state IN (3, 4, 5), 0),
            json_object(${counts}),
            (SELECT count(*) FROM tasks t WHERE t.job_id = j.id), j.created_at, root.started_at,
            root.finished_at, max(j.seq, coalesce((SELECT max(seq) FROM events e WHERE e.job_id = j.id), 0)),
            j.updated_at
          FROM jobs j LEFT JOIN tasks root ON root.job_id = j.id AND root.parent_id = ''
          ORDER BY j.created_at, j.rowid;
        DROP TABLE jobs;
        -- Listing reads these newest first (ord descending), a page at a time from a position.
        CREATE UNIQUE INDEX runs_number ON runs (workflow, run);
        CREATE UNIQUE INDEX runs_idempotency ON runs (workflow, idempotency_key)
          WHERE idempotency_key IS NOT NULL;
        CREATE INDEX runs_by_workflow ON runs (workflow, ord);
        CREATE INDEX runs_by_done ON runs (done, ord);
        CREATE INDEX runs_by_state ON runs (state, ord);
        CREATE INDEX runs_by_workflow_done ON runs (workflow, done, ord);
        -- The last run number of each workflow: numbers are never reused, even once runs are pruned.
        CREATE TABLE workflows (workflow TEXT PRIMARY KEY, last_run INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO workflows SELECT workflow, max(run) FROM runs GROUP BY workflow;
        ALTER TABLE tasks ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN fail_fast INTEGER NOT NULL DEFAULT 0;
        UPDATE tasks SET fail_fast = 1 WHERE kind = 1;
      `);
    },
  },
  {
    version: 4,
    description: 'automatic retries: the time a task waiting for its retry tries again, on tasks and events',
    up(db) {
      db.exec(`
        ALTER TABLE tasks ADD COLUMN retry_at INTEGER;
        ALTER TABLE events ADD COLUMN retry_at INTEGER;
      `);
    },
  },
  {
    version: 5,
    description:
      'schedule fires claimed (workflow, schedule, fire time), so processes sharing the file start one run per time',
    up(db) {
      db.exec(`
        CREATE TABLE schedule_fires (
          workflow TEXT NOT NULL,
          schedule TEXT NOT NULL,
          fire_at INTEGER NOT NULL,
          claimed_at INTEGER NOT NULL,
          PRIMARY KEY (workflow, schedule, fire_at)
        ) WITHOUT ROWID;
      `);
    },
  },
];

/** The schema version this build of rnr writes. */
export const SCHEMA_VERSION: number = migrations[migrations.length - 1]?.version ?? 0;

interface Header {
  applicationId: number;
  version: number;
}

function readHeader(db: Database.Database): Header {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
  };
}

/**
 * Refuses a database that is not an rnr store or is newer than this build, reading only. An empty
 * database (no tables, no application id) is a new store.
 */
export function checkSchema(db: Database.Database, file: string): Header {
  const header = readHeader(db);
  if (header.applicationId === APPLICATION_ID) {
    if (header.version > SCHEMA_VERSION) {
      throw new RnrError(
        'RNR_ERR_STORE_SCHEMA_NEWER',
        `rnr store ${file} has schema version ${header.version}, newer than the ${SCHEMA_VERSION} this rnr understands; upgrade rnr (the file was not modified)`,
      );
    }
    return header;
  }
  if (header.applicationId !== 0) {
    const hex = (header.applicationId >>> 0).toString(16).padStart(8, '0');
    throw new RnrError(
      'RNR_ERR_STORE_NOT_RNR',
      `${file} is not an rnr store: its SQLite application_id is 0x${hex}, not rnr's 0x${APPLICATION_ID.toString(16)} (the file was not modified)`,
    );
  }
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  if (tables.length > 0) {
    throw new RnrError(
      'RNR_ERR_STORE_NOT_RNR',
      `${file} is not an rnr store: a SQLite database with other tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}) (the file was not modified)`,
    );
  }
  return header;
}

/**
 * Brings the schema up to {@link SCHEMA_VERSION} in one transaction that takes the write lock
 * first, so two processes opening a new file at once migrate it once.
 */
export function migrate(db: Database.Database, file: string): void {
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const header = checkSchema(db, file);
    for (const step of migrations) {
      if (step.version <= header.version) continue;
      step.up(db);
    }
    if (header.applicationId !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
    // Always write something: a read-only file or directory then fails here, at open, not at the first commit.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TaskState } from '../../src/engine/task-state.js';
import { EventCause, TaskKind } from '../../src/engine/types.js';
import { migrations, SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { cleanTempDirs, jobRecord, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

/** The layout of schema version 1, frozen here as written then: the migration must cope with it. */
const schemaV1 = `
  CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
  CREATE TABLE tasks (job_id TEXT NOT NULL, task_id TEXT NOT NULL, parent_id TEXT NOT NULL, name TEXT NOT NULL,
    kind INTEGER NOT NULL, state INTEGER NOT NULL, message TEXT NOT NULL, paused INTEGER NOT NULL,
    parallelism INTEGER NOT NULL, parallelism_set INTEGER NOT NULL, attempt INTEGER NOT NULL, approval TEXT,
    labels TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
    updated_at INTEGER NOT NULL, poll_errors INTEGER NOT NULL, state_set_by_operator INTEGER NOT NULL,
    machine_snapshot TEXT, PRIMARY KEY (job_id, task_id)) WITHOUT ROWID;
  CREATE TABLE events (job_id TEXT NOT NULL, seq INTEGER NOT NULL, task_id TEXT NOT NULL,
    from_state INTEGER NOT NULL, to_state INTEGER NOT NULL, paused INTEGER NOT NULL, message TEXT NOT NULL,
    cause INTEGER NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
  PRAGMA application_id = ${0x726e7253};
  PRAGMA user_version = 1;
  INSERT INTO jobs VALUES ('upgrade', 'Job upgrade', 1000, 2, 1500);
  INSERT INTO tasks VALUES ('upgrade', 'upgrade', '', 'upgrade', 1, 2, '', 0, 4, 1, 0, NULL, '{}',
    1000, 1100, NULL, 1500, 0, 0, NULL);
  INSERT INTO tasks VALUES ('upgrade', 'upgrade/vm-1', 'upgrade', 'vm-1', 0, 5, 'skipped by bob', 1, 0, 0, 1,
    '{"by":"bob","at":1400}', '{"zone":"a"}', 1000, 1100, 1400, 1400, 0, 1, NULL);
  INSERT INTO events VALUES ('upgrade', 1, 'upgrade', 1, 2, 0, '', 1, '', '', 1100);
  INSERT INTO events VALUES ('upgrade', 2, 'upgrade/vm-1', 2, 5, 1, 'skipped by bob', 2, 'bob', 'not needed', 1400);
`;

describe('sqliteStore schema migrations', () => {
  it('are numbered 1, 2, … in order, and the last one is the version written', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(migrations.length);
  });

  it('open a store written by schema version 1 and keep its state and log', () => {
    const file = join(tempDir(), 'rnr.db');
    const old = new Database(file);
    old.exec(schemaV1);
    old.close();

    const store = sqliteStore(file);
    const state = store.openJob(jobRecord('upgrade'));
    expect(state?.job).toEqual(jobRecord('upgrade', 2));
    expect(state?.tasks.map((t) => [t.id, t.kind, t.state, t.paused, t.parallelism])).toEqual([
      ['upgrade', TaskKind.NESTED, TaskState.RUNNING, false, 4],
      ['upgrade/vm-1', TaskKind.CALLBACK, TaskState.SKIPPED, true, 0],
    ]);
    expect(state?.tasks[1]).toMatchObject({
      approval: { by: 'bob', at: 1400 },
      labels: { zone: 'a' },
      attempt: 1,
    });
    const [, skip] = store.events('upgrade', 0);
    // Columns added by version 2 read as their defaults for old rows.
    expect(skip).toMatchObject({ seq: 2, cause: EventCause.OPERATOR, actor: 'bob', action: '', attempt: 0 });
    store.close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('turn an empty file (version 0) into a new store', () => {
    const file = join(tempDir(), 'rnr.db');
    writeFileSync(file, '');
    const store = sqliteStore(file);
    expect(store.listJobs()).toEqual([]);
    expect(store.openJob(jobRecord('fresh'))).toBeUndefined();
    store.close();
  });

  it('leave a store of the current version as it is', () => {
    const file = join(tempDir(), 'rnr.db');
    sqliteStore(file).close();
    const again = sqliteStore(file);
    expect(again.listJobs()).toEqual([]);
    again.close();
  });
});

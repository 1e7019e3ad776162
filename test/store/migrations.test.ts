import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TaskState } from '../../src/engine/task-state.js';
import { EventCause, RunTrigger, TaskKind } from '../../src/engine/types.js';
import { migrations, SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { cleanTempDirs, runRecord, tempDir } from '../fixtures/store-helpers.js';

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

/**
 * The layout of schema version 2 (rnr before runs), frozen here as written then, with two jobs: a
 * finished one with every kind of row, and one that never committed a task.
 */
const schemaV2 = `
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
    action TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL DEFAULT 0, parallelism INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
  CREATE TABLE owners (job_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, since INTEGER NOT NULL,
    boot_id TEXT NOT NULL, proc_start TEXT NOT NULL, token TEXT NOT NULL);
  PRAGMA application_id = ${0x726e7253};
  PRAGMA user_version = 2;
  INSERT INTO jobs VALUES ('deploy', 'Deploy', 1000, 4, 2000);
  INSERT INTO jobs VALUES ('quiet', 'Quiet', 3000, 0, 3000);
  INSERT INTO tasks VALUES ('deploy', 'deploy', '', 'deploy', 1, 3, '2 done', 0, 2, 0, 0, NULL, '{}',
    1000, 1100, 1900, 1900, 0, 0, NULL);
  INSERT INTO tasks VALUES ('deploy', 'deploy/b', 'deploy', 'b', 0, 3, '', 0, 0, 0, 0, NULL, '{}',
    1000, 1100, 1800, 1800, 0, 0, NULL);
  INSERT INTO tasks VALUES ('deploy', 'deploy/a', 'deploy', 'a', 0, 5, 'skipped', 0, 0, 0, 0, NULL, '{}',
    1000, 1100, 1500, 1500, 0, 1, NULL);
  INSERT INTO events VALUES ('deploy', 1, 'deploy', 1, 2, 0, '', 1, '', '', 1100, '', 0, 2);
  INSERT INTO events VALUES ('deploy', 2, 'deploy/a', 2, 5, 0, 'skipped', 2, 'bob', '', 1500, 'skip', 0, 0);
  INSERT INTO events VALUES ('deploy', 3, 'deploy/b', 2, 3, 0, '', 0, '', '', 1800, '', 0, 0);
  INSERT INTO events VALUES ('deploy', 4, 'deploy', 2, 3, 0, '2 done', 1, '', '', 1900, '', 0, 2);
`;

function storeFrom(layout: string): string {
  const file = join(tempDir(), 'rnr.db');
  const old = new Database(file);
  old.exec(layout);
  old.close();
  return file;
}

describe('sqliteStore schema migrations', () => {
  it('are numbered 1, 2, … in order, and the last one is the version written', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(migrations.length);
  });

  it('open a store written by schema version 1 and keep its state and log', async () => {
    const store = sqliteStore(storeFrom(schemaV1));
    const state = await store.openRun(runRecord('upgrade'));
    expect(state.run).toMatchObject({ id: 'upgrade', seq: 2, workflow: 'upgrade', run: 1 });
    expect(state.tasks.map((t) => [t.id, t.kind, t.state, t.paused, t.parallelism])).toEqual([
      ['upgrade', TaskKind.NESTED, TaskState.RUNNING, false, 4],
      ['upgrade/vm-1', TaskKind.CALLBACK, TaskState.SKIPPED, true, 0],
    ]);
    expect(state.tasks[1]).toMatchObject({
      approval: { by: 'bob', at: 1400 },
      labels: { zone: 'a' },
      attempt: 1,
    });
    const [, skip] = await store.events('upgrade', 0);
    // Columns added by version 2 read as their defaults for old rows.
    expect(skip).toMatchObject({ seq: 2, cause: EventCause.OPERATOR, actor: 'bob', action: '', attempt: 0 });
    await store.close();

    const db = new Database(storeFile(store), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('turn the jobs of schema version 2 into runs: each keeps its id as run 1 of workflow = its id', async () => {
    const file = storeFrom(schemaV2);
    const store = sqliteStore(file);
    const { runs } = await store.listRuns();
    // Newest first, in the order the jobs were created; summaries from the stored tasks.
    expect(runs.map((r) => [r.id, r.workflow, r.run, TaskState[r.state], r.total, r.seq])).toEqual([
      ['quiet', 'quiet', 1, 'PENDING', 0, 0],
      ['deploy', 'deploy', 1, 'SUCCESS', 3, 4],
    ]);
    expect(runs[1]).toMatchObject({
      name: 'Deploy',
      createdAt: 1000,
      startedAt: 1100,
      finishedAt: 1900,
      input: {},
      trigger: RunTrigger.TRIGGER_UNSPECIFIED,
      startedBy: '',
      labels: {},
      counts: { SUCCESS: 2, SKIPPED: 1, PENDING: 0, RUNNING: 0 },
    });
    expect((await store.listRuns({ states: ['DONE'] })).runs.map((r) => r.id)).toEqual(['deploy']);
    // Loaded without a claim, drawn from the store alone (positions of old rows are unknown: by id).
    const loaded = await store.loadRun('deploy');
    expect(loaded?.tasks.map((t) => [t.id, t.index, t.failFast])).toEqual([
      ['deploy', 0, true],
      ['deploy/a', 0, false],
      ['deploy/b', 0, false],
    ]);
    // The workflow counter knows run 1: the next run of workflow "deploy" is number 2.
    const next = await store.createRun({ workflow: 'deploy' });
    expect(next.run).toMatchObject({ id: 'deploy-2', run: 2 });
    // The job resumes as before, and its seq continues.
    const opened = await store.openRun(runRecord('deploy'));
    expect(opened).toMatchObject({ created: false, run: { seq: 4, run: 1 } });
    expect((await store.events('deploy', 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await store.close();
  });

  it('turn an empty file (version 0) into a new store', async () => {
    const file = join(tempDir(), 'rnr.db');
    writeFileSync(file, '');
    const store = sqliteStore(file);
    expect(await store.listRuns()).toEqual({ runs: [] });
    expect((await store.openRun(runRecord('fresh'))).created).toBe(true);
    await store.close();
  });

  it('leave a store of the current version as it is', async () => {
    const file = join(tempDir(), 'rnr.db');
    await sqliteStore(file).close();
    const again = sqliteStore(file);
    expect(await again.listRuns()).toEqual({ runs: [] });
    await again.close();
  });
});

/** The file of a SQLite store (its description without the `sqlite:` prefix). */
function storeFile(store: { description: string }): string {
  return store.description.replace(/^sqlite:/, '');
}

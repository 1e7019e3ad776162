/**
 * rnr's schema in PostgreSQL: created once when several processes start on an empty database at
 * once, refused (and left as it was) when it belongs to a newer rnr or to another application.
 */
import pg from 'pg';
import { callbackTask, createJob } from 'rnr';
import { describe, expect, it } from 'vitest';
import { postgresStore } from '../../src/store/postgres/index.js';
import { PG_SCHEMA_VERSION } from '../../src/store/postgres/pg-schema.js';
import { createDatabase, type TestDatabase } from '../fixtures/postgres/index.js';
import { runFixture } from '../fixtures/store-helpers.js';

async function psql(db: TestDatabase, text: string, values: unknown[] = []) {
  const client = new pg.Client(db.superuserUrl);
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function readyError(url: string, options = {}) {
  const store = postgresStore(url, options);
  try {
    await store.ready();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await store.close();
  }
}

describe('rnr schema', () => {
  it('is created once when four processes use an empty database at the same moment', async () => {
    const db = await createDatabase({ label: 'race' });
    const at = String(Date.now() + 2500);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runFixture('pg-ready-probe.ts', [db.url, at])),
    );
    for (const r of results) expect(r.stdout.trim().split('\n').at(-1), r.stderr).toBe('{"ok":true}');
    expect(await psql(db, 'SELECT version FROM rnr.migrations ORDER BY version')).toEqual(
      Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    const tables = await psql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'rnr' ORDER BY 1");
    expect(tables.map((t) => t.tablename)).toEqual([
      'audit',
      'commands',
      'events',
      'migrations',
      'processes',
      'runs',
      'schedule_fires',
      'tasks',
      'workflows',
    ]);
  }, 60_000);

  it("of version 4 moves its runs' leases to their owners: a live lease stays held, a lapsed one is claimable", async () => {
    const db = await createDatabase({ label: 'v4' });
    const first = postgresStore(db.url);
    for (const id of ['held', 'lapsed'])
      await createJob({
        id,
        name: id,
        root: callbackTask({ id: 'step', name: 'step', poll: () => true }),
        store: first,
      }).load();
    await first.close();
    // The schema as version 4 left it: leases on the runs, none on the processes.
    await psql(
      db,
      `ALTER TABLE rnr.runs ADD COLUMN lease_expires_at timestamptz;
       ALTER TABLE rnr.processes DROP COLUMN lease_expires_at;
       DROP TABLE rnr.audit;
       DELETE FROM rnr.migrations WHERE version >= 5;
       INSERT INTO rnr.processes (id, host, pid) VALUES ('alive', 'ops-1.example', 1), ('dead', 'ops-2.example', 2);
       UPDATE rnr.runs SET owner_process = 'alive', lease_expires_at = now() + interval '1 hour' WHERE id = 'held';
       UPDATE rnr.runs SET owner_process = 'dead', lease_expires_at = now() - interval '1 s' WHERE id = 'lapsed';`,
    );
    const store = postgresStore(db.url);
    try {
      await store.ready();
      expect(await psql(db, 'SELECT max(version) AS v FROM rnr.migrations')).toEqual([
        { v: PG_SCHEMA_VERSION },
      ]);
      const claimable = await store.cluster.claimable(['held', 'lapsed'], 10);
      expect(claimable.map((r) => r.id)).toEqual(['lapsed']);
      await expect(
        createJob({
          id: 'held',
          name: 'held',
          root: callbackTask({ id: 'step', name: 'step', poll: () => true }),
          store,
        }).load(),
      ).rejects.toMatchObject({ code: 'RNR_ERR_JOB_LOCKED' });
    } finally {
      await store.close();
    }
  });

  it('of a newer rnr is refused and left as it was', async () => {
    const db = await createDatabase({ label: 'newer' });
    expect(await readyError(db.url)).toBeUndefined();
    await psql(db, "INSERT INTO rnr.migrations (version, description) VALUES (99, 'from the future')");
    const err = await readyError(db.url);
    expect(err).toMatchObject({
      code: 'RNR_ERR_STORE_SCHEMA_NEWER',
      message: expect.stringMatching(
        /schema "rnr" has version 99, newer than the \d+ this rnr understands; upgrade rnr/,
      ),
    });
    expect(await psql(db, 'SELECT max(version) AS v FROM rnr.migrations')).toEqual([{ v: 99 }]);
  });

  it('of another application is refused and left as it was; an empty one made for rnr is used', async () => {
    const db = await createDatabase({ label: 'foreign' });
    await psql(
      db,
      'CREATE SCHEMA rnr AUTHORIZATION rnr; CREATE TABLE rnr.users (id int); CREATE TABLE rnr.migrations (id int)',
    );
    expect(await readyError(db.url)).toMatchObject({
      code: 'RNR_ERR_STORE_NOT_RNR',
      message: expect.stringContaining(
        'schema "rnr" is not an rnr store: it holds other tables (migrations, users)',
      ),
    });
    const tables = await psql(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'rnr' ORDER BY 1");
    expect(tables.map((t) => t.tablename)).toEqual(['migrations', 'users']);

    // A DBA who makes rnr's schema (owned by someone else) and grants it: rnr fills it in.
    await psql(db, 'CREATE SCHEMA ops; GRANT USAGE, CREATE ON SCHEMA ops TO rnr');
    expect(await readyError(db.url, { schema: 'ops' })).toBeUndefined();
  });

  it('needs rights: a role that may not create it is told what it lacks', async () => {
    const db = await createDatabase({ label: 'rights' });
    await psql(
      db,
      `REVOKE CREATE ON DATABASE ${pg.escapeIdentifier(db.name)} FROM rnr, PUBLIC;
      ALTER DATABASE ${pg.escapeIdentifier(db.name)} OWNER TO postgres`,
    );
    expect(await readyError(db.url)).toMatchObject({
      code: 'RNR_ERR_STORE_IO',
      message: expect.stringMatching(/permission denied .*needs CREATE on the database/),
    });
  });
});

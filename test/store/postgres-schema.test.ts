/**
 * rnr's schema in PostgreSQL: created once when several processes start on an empty database at
 * once, refused (and left as it was) when it belongs to a newer rnr or to another application.
 */
import pg from 'pg';
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

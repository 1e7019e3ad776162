/**
 * The cluster's audit trail on a real PostgreSQL: the records every process appends meet in one
 * table, each with its process, in the order they were written; strings a `jsonb` cannot hold are
 * kept readable; a clean close waits for the last records; an unreachable database refuses them
 * with the reason (the caller keeps its own copy).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from '../../src/store/postgres/index.js';
import { createDatabase, type TestDatabase } from '../fixtures/postgres/index.js';

const open: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function rows(db: TestDatabase) {
  const client = new pg.Client(db.superuserUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ process: string; job: string; record: Record<string, unknown> }>(
      'SELECT process, job, record FROM rnr.audit ORDER BY id',
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('postgresStore: the audit table', () => {
  it('holds the records of every process, in order, each with its process', async () => {
    const db = await createDatabase({ label: 'audit' });
    const a = postgresStore(db.url);
    const b = postgresStore(db.url);
    open.push(a, b);
    await a.audit.append({ job: 'upgrade-1', record: { op: 'approve', actor: 'alice', ok: true } });
    await b.audit.append({
      job: 'upgrade-1',
      record: { op: 'skip', actor: 'mallory', ok: false, status: 403 },
    });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        a.audit.append({ job: `upgrade-${i + 2}`, record: { op: 'pause', actor: 'bob', n: i } }),
      ),
    );
    const written = await rows(db);
    expect(written).toHaveLength(52);
    expect(written.slice(0, 2).map((r) => [r.job, r.record.op, r.record.actor])).toEqual([
      ['upgrade-1', 'approve', 'alice'],
      ['upgrade-1', 'skip', 'mallory'],
    ]);
    expect(written[0]?.process).not.toBe(written[1]?.process);
    expect(written.slice(2).map((r) => r.record.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('keeps a NUL as the text \\u0000 and a lone surrogate as U+FFFD, and writes the last records before closing', async () => {
    const db = await createDatabase({ label: 'audit_nul' });
    const store = postgresStore(db.url);
    await store.ready();
    void store.audit.append({ job: 'a\0b', record: { reason: 'before\0after', actor: '\ud800x' } });
    await store.close(); // does not wait for the caller: it waits for the append itself
    const [row] = await rows(db);
    expect(row?.record.reason).toBe('before\\u0000after');
    expect(row?.job).toBe('a\\u0000b');
    expect(row?.record.actor).toBe('\ufffdx');
  });

  it('keeps a record whose job id is as long as a URL allows, and the records written with it', async () => {
    const db = await createDatabase({ label: 'audit_long' });
    const store = postgresStore(db.url);
    open.push(store);
    await store.ready();
    const long = '運'.repeat(1300); // ~3.9 kB: more than a btree index entry may hold
    await Promise.all([
      store.audit.append({ job: 'first', record: { op: 'pause' } }), // goes alone; the next two wait
      store.audit.append({ job: long, record: { op: 'approve', job: long, ok: false, status: 401 } }),
      store.audit.append({ job: 'upgrade-1', record: { op: 'approve', actor: 'alice', ok: true } }),
    ]);
    const written = await rows(db);
    expect(written.map((r) => r.record.op)).toEqual(['pause', 'approve', 'approve']);
    expect(written[1]?.job).toBe('運'.repeat(256));
    expect(written[1]?.record.job).toBe(long);
    expect(written[2]?.job).toBe('upgrade-1');
  });

  it('refuses records with the reason when the database cannot be reached', async () => {
    const store = postgresStore('postgres://rnr:secret@127.0.0.1:1/nowhere', {
      connectionTimeoutMillis: 500,
    });
    open.push(store);
    const refused = await store.audit.append({ job: 'j', record: { op: 'pause' } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ code: 'RNR_ERR_STORE_UNAVAILABLE' });
    expect(String((refused as Error).message)).toMatch(/127\.0\.0\.1:1\/nowhere.*ECONNREFUSED/);
    expect(String((refused as Error).message)).not.toContain('secret');
  });
});

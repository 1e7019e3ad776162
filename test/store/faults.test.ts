import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import {
  canDropOverrides,
  cleanTempDirs,
  runFixture,
  runRecord,
  taskEvent,
  taskRecord,
  tempDir,
} from '../fixtures/store-helpers.js';

cleanTempDirs();

/** Expects opening `file` to fail with `code`, naming the file, and to leave its bytes as they were. */
function expectRefused(file: string, code: string, text?: string): void {
  const before = readFileSync(file);
  expect(() => sqliteStore(file)).toThrow(
    expect.objectContaining({ code, message: expect.stringContaining(file) }),
  );
  if (text) expect(() => sqliteStore(file)).toThrow(text);
  expect(readFileSync(file).equals(before)).toBe(true);
}

/** A closed store file holding one job with `events` events (several pages of them). */
async function storeWithEvents(file: string, events: number): Promise<void> {
  const store = sqliteStore(file);
  await store.openRun(runRecord('j'));
  const log = Array.from({ length: events }, (_, i) => taskEvent('j', i + 1, { message: 'x'.repeat(200) }));
  await store.commit({ run: runRecord('j', events), tasks: [taskRecord('j')], events: log });
  await store.close();
}

const isRoot = process.getuid?.() === 0;
// As root, the checks run in a child without root's file-mode overrides (see runFixture).
const canCheckPermissions = canDropOverrides();

/** Opens `file` and claims a job where file modes apply (root ignores them). */
async function openUnprivileged(file: string): Promise<{ ok: boolean; code?: string; message?: string }> {
  if (!isRoot) {
    try {
      await sqliteStore(file).close();
      return { ok: true };
    } catch (err) {
      return { ok: false, ...(err as { code: string; message: string }) };
    }
  }
  const result = await runFixture('store-probe.ts', [file, 'j', 'commit'], { withoutOverrides: true });
  const line = result.stdout.trim().split('\n').at(-1);
  if (!line) throw new Error(`store probe printed nothing (exit ${result.code}): ${result.stderr}`);
  return JSON.parse(line);
}

describe('sqliteStore refuses what it must not touch', () => {
  it('a text file', async () => {
    const file = join(tempDir(), 'notes.txt');
    writeFileSync(file, 'remember the milk\n'.repeat(100));
    expectRefused(file, 'RNR_ERR_STORE_NOT_RNR', 'not a SQLite database');
  });

  it("another program's SQLite database", async () => {
    const file = join(tempDir(), 'app.db');
    const db = new Database(file);
    db.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')");
    db.close();
    expectRefused(file, 'RNR_ERR_STORE_NOT_RNR', 'other tables (users)');
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a SQLite database with a foreign application id', async () => {
    const file = join(tempDir(), 'other.db');
    const db = new Database(file);
    db.pragma('application_id = 1234');
    db.close();
    expectRefused(file, 'RNR_ERR_STORE_NOT_RNR', 'application_id is 0x000004d2');
  });

  it('a store written by a newer rnr', async () => {
    const file = join(tempDir(), 'rnr.db');
    await storeWithEvents(file, 3);
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expectRefused(file, 'RNR_ERR_STORE_SCHEMA_NEWER', 'schema version 99');
  });

  it('garbage behind a SQLite header', async () => {
    const file = join(tempDir(), 'rnr.db');
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(16_384)]));
    expectRefused(file, 'RNR_ERR_STORE_CORRUPT');
  });

  it('a store with a damaged page', async () => {
    const file = join(tempDir(), 'rnr.db');
    await storeWithEvents(file, 500);
    const bytes = readFileSync(file);
    randomBytes(4096).copy(bytes, 4096 * 5);
    writeFileSync(file, bytes);
    expectRefused(file, 'RNR_ERR_STORE_CORRUPT', 'is corrupt');
  });

  it('a directory', async () => {
    const dir = tempDir();
    expect(() => sqliteStore(dir)).toThrow(expect.objectContaining({ code: 'RNR_ERR_STORE_IO' }));
  });
});

describe('sqliteStore on a disk it cannot write', () => {
  it.skipIf(!canCheckPermissions)('a read-only file: refused at open, bytes unchanged', async () => {
    const dir = tempDir();
    const file = join(dir, 'rnr.db');
    await storeWithEvents(file, 3);
    const before = readFileSync(file);
    chmodSync(file, 0o444);
    chmodSync(dir, 0o777);
    const result = await openUnprivileged(file);
    expect(result).toMatchObject({
      ok: false,
      code: 'RNR_ERR_STORE_IO',
      message: expect.stringContaining(file),
    });
    expect(result.message).toContain('SQLITE_READONLY');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it.skipIf(!canCheckPermissions)(
    'a refused open leaves no -wal/-shm behind: the store opens once the file is writable again',
    async () => {
      const dir = tempDir();
      const file = join(dir, 'rnr.db');
      await storeWithEvents(file, 3);
      chmodSync(file, 0o444);
      chmodSync(dir, 0o777);
      expect(await openUnprivileged(file)).toMatchObject({ ok: false, code: 'RNR_ERR_STORE_IO' });
      expect(existsSync(`${file}-shm`)).toBe(false);
      expect(existsSync(`${file}-wal`)).toBe(false);
      chmodSync(file, 0o644);
      expect(await openUnprivileged(file)).toMatchObject({ ok: true });
    },
  );

  it.skipIf(!canCheckPermissions)('a read-only -shm left by someone else is named in the error', async () => {
    const dir = tempDir();
    const file = join(dir, 'rnr.db');
    await storeWithEvents(file, 3);
    writeFileSync(`${file}-shm`, Buffer.alloc(32_768));
    chmodSync(`${file}-shm`, 0o444);
    const result = await openUnprivileged(file);
    expect(result).toMatchObject({ ok: false, code: 'RNR_ERR_STORE_IO' });
    expect(result.message).toContain(`${file}-shm is not writable`);
    expect(result.message).toContain('holds no data: remove it');
  });

  it.skipIf(!canCheckPermissions)(
    'a read-only directory: a new store cannot be created, an existing one cannot be written',
    async () => {
      const dir = tempDir();
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      await storeWithEvents(join(dir, 'rnr.db'), 3);
      copyFileSync(join(dir, 'rnr.db'), join(locked, 'rnr.db'));
      chmodSync(dir, 0o755);
      chmodSync(locked, 0o555);
      const before = readFileSync(join(locked, 'rnr.db'));
      const created = await openUnprivileged(join(locked, 'new.db'));
      expect(created).toMatchObject({
        ok: false,
        code: 'RNR_ERR_STORE_IO',
        message: expect.stringContaining('new.db'),
      });
      const existing = await openUnprivileged(join(locked, 'rnr.db'));
      expect(existing).toMatchObject({ ok: false, code: 'RNR_ERR_STORE_IO' });
      expect(existing.message).toContain('SQLITE_READONLY');
      expect(readFileSync(join(locked, 'rnr.db')).equals(before)).toBe(true);
    },
  );

  it('a full disk: the commit fails whole with RNR_ERR_STORE_IO, earlier commits stay readable', async () => {
    const file = join(tempDir(), 'rnr.db');
    const store = sqliteStore(file, { maxBytes: 128 * 1024 });
    await store.openRun(runRecord('j'));
    let seq = 0;
    let failure: unknown;
    while (!failure && seq < 10_000) {
      const batch = Array.from({ length: 20 }, (_, i) =>
        taskEvent('j', seq + i + 1, { message: 'y'.repeat(500) }),
      );
      try {
        await store.commit({ run: runRecord('j', seq + 20), tasks: [], events: batch });
        seq += 20;
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toMatchObject({
      code: 'RNR_ERR_STORE_IO',
      message: expect.stringContaining('disk full'),
    });
    expect((failure as Error).message).toContain(file);
    const stored = await store.events('j', 0);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
    await store.close();
    const reopened = sqliteStore(file);
    expect((await reopened.openRun(runRecord('j'))).run.seq).toBe(seq);
    await reopened.close();
  });
});

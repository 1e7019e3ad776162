import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { describeError, RnrError } from '../errors.js';
import { checkSchema, migrate } from './sqlite-schema.js';

const SQLITE_MAGIC = 'SQLite format 3\0';

let sqlite: typeof Database | undefined;

/**
 * better-sqlite3, loaded the first time a SQLite store is opened: importing `rnr` (or
 * `rnr/server`) loads no native code, so a program that never opens one never loads it. A
 * synchronous `require`, because `sqliteStore(path)` opens the file synchronously.
 */
function loadSqlite(): typeof Database {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return sqlite;
}

/** How a store file is opened (the resolved options of `sqliteStore`). */
export interface OpenSettings {
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  maxBytes: number | undefined;
}

/**
 * Turns whatever SQLite or the file system threw into an {@link RnrError} that names the file:
 * full or unwritable disk → `RNR_ERR_STORE_IO`, damaged file → `RNR_ERR_STORE_CORRUPT`.
 */
export function storeError(file: string, doing: string, err: unknown): RnrError {
  if (err instanceof RnrError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const text = describeError(err);
  const at = `rnr store ${file}`;
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') {
    return new RnrError('RNR_ERR_STORE_IO', `${at}: disk full while ${doing} (${text})`, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new RnrError(
      'RNR_ERR_STORE_CORRUPT',
      `${at} is corrupt (${text}) while ${doing}; the file was left as it is`,
      {
        cause: err,
      },
    );
  }
  if (/^SQLITE_(READONLY|CANTOPEN|IOERR|PERM|BUSY|LOCKED|AUTH)/.test(code) || /^E[A-Z]+$/.test(code)) {
    const blocked = code.startsWith('SQLITE_READONLY') ? blockedSidecars(file) : '';
    const advice = blocked || 'check the permissions of the file and its directory';
    return new RnrError(
      'RNR_ERR_STORE_IO',
      `${at}: cannot read or write it while ${doing} (${code}: ${text}); ${advice}`,
      { cause: err },
    );
  }
  return new RnrError('RNR_ERR_INTERNAL', `${at}: ${doing} failed (${code || 'error'}: ${text})`, {
    cause: err,
  });
}

/** Reads the first bytes of an existing file; undefined when there is no file. */
function peek(file: string): { size: number; head: string } | undefined {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory())
      throw new RnrError('RNR_ERR_STORE_IO', `rnr store ${file} is a directory, not a file`);
    size = stat.size;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw storeError(file, 'looking at the file', err);
  }
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(16);
    const read = readSync(fd, buffer, 0, 16, 0);
    return { size, head: buffer.subarray(0, read).toString('latin1') };
  } finally {
    closeSync(fd);
  }
}

function describeHead(head: string): string {
  const printable = head.replace(/[^\x20-\x7e]/g, '.');
  return JSON.stringify(printable);
}

/**
 * Opens (or creates) a store file: refuses anything that is not an rnr store before writing a byte,
 * then switches to WAL, sets the durability level and migrates the schema.
 */
export function openDatabase(file: string, settings: OpenSettings): Database.Database {
  const inMemory = file === ':memory:';
  if (!inMemory) {
    const existing = peek(file);
    if (existing && existing.size > 0 && existing.head !== SQLITE_MAGIC) {
      throw new RnrError(
        'RNR_ERR_STORE_NOT_RNR',
        `${file} is not an rnr store: not a SQLite database (it starts with ${describeHead(existing.head)}); the file was not modified`,
      );
    }
    if (!existing) {
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch (err) {
        throw storeError(file, 'creating its directory', err);
      }
    }
  }
  // A refused open must leave no file of its own behind: SQLite creates -wal and -shm with the
  // database's mode, so a read-only database would leave a read-only -shm that blocks the next
  // start even once the database itself is writable again.
  const sidecars = inMemory ? [] : [`${file}-wal`, `${file}-shm`].filter((f) => !existsSync(f));
  let db: Database.Database;
  try {
    db = new (loadSqlite())(file, { timeout: settings.busyTimeoutMs });
  } catch (err) {
    removeCreated(sidecars);
    throw storeError(file, 'opening', err);
  }
  try {
    // Look before writing anything: the WAL switch below already rewrites the header.
    checkSchema(db, file);
    // Reads every page once: a damaged file is refused at start, not halfway through a rollout.
    const problems = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
    if (problems[0]?.quick_check !== 'ok') {
      const found = problems
        .slice(0, 3)
        .map((p) => p.quick_check)
        .join('; ');
      throw new RnrError(
        'RNR_ERR_STORE_CORRUPT',
        `rnr store ${file} is corrupt (${found}); the file was left as it is`,
      );
    }
    if (!inMemory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new RnrError(
          'RNR_ERR_STORE_IO',
          `rnr store ${file}: cannot switch to WAL mode (got ${String(mode)})`,
        );
    }
    db.pragma(`synchronous = ${settings.synchronous}`);
    if (settings.maxBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(settings.maxBytes / pageSize))}`);
    }
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    removeCreated(sidecars);
    throw storeError(file, 'opening', err);
  }
}

/** Removes the -wal/-shm files a refused open created (an empty -wal only: never lose a write). */
function removeCreated(files: string[]): void {
  for (const f of files) {
    try {
      if (f.endsWith('-wal') && statSync(f).size > 0) continue;
      unlinkSync(f);
    } catch {
      // Not created, or not ours to remove: the error below still names what is in the way.
    }
  }
}

/**
 * What stands in the way of writing beside `file`: a -shm or -wal that exists but cannot be
 * written (left, say, by an open as another user), or '' when there is none.
 */
function blockedSidecars(file: string): string {
  const notes: string[] = [];
  for (const [suffix, what] of [
    ['-shm', "SQLite's shared-memory index, which holds no data: remove it or fix its permissions"],
    ['-wal', 'it may hold committed changes: fix its permissions, do not remove it'],
  ] as const) {
    const path = `${file}${suffix}`;
    if (!existsSync(path)) continue;
    try {
      accessSync(path, constants.W_OK);
    } catch {
      notes.push(`${path} is not writable (${what})`);
    }
  }
  return notes.join('; ');
}

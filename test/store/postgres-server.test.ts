/**
 * The test PostgreSQL itself (test/fixtures/postgres): no server outlives the process that owns it,
 * however that process ends, a leftover from a run killed outright is swept by the next start, and
 * the shared server's rules and helpers hold.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../fixtures/postgres/binaries.js';
import { createDatabase, sharedPostgres } from '../fixtures/postgres/index.js';
import { sweepLeftovers } from '../fixtures/postgres/leftovers.js';
import { killHard, startFixture } from '../fixtures/store-helpers.js';

interface Probe {
  root: string;
  postmaster: number;
  watchdog: number;
}

/** Whether a process runs (a zombie, dead but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits for another process to do something, checking every 50 ms, failing after `ms`. */
async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await delay(50);
  }
}

describe('test PostgreSQL servers', () => {
  it('a process that exits without closing its server stops it on the way out', async () => {
    const { child, line } = await startFixture('postgres/owner-probe.ts', ['exit']);
    const [probe] = JSON.parse(line) as Probe[];
    if (child.exitCode === null) await once(child, 'exit');
    expect(running(probe!.postmaster)).toBe(false);
    expect(existsSync(probe!.root)).toBe(false);
  });

  it('SIGKILL of the owner: its watchdog stops the server; a leftover without one is swept by the next start', async () => {
    const { child, line } = await startFixture('postgres/owner-probe.ts', ['hold']);
    const [watched, orphan] = JSON.parse(line) as Probe[];
    // The second server loses its watchdog too, as when a whole run is killed with `kill -9 -<pgid>`.
    process.kill(orphan!.watchdog, 'SIGKILL');
    await killHard(child);
    // The watchdog looks once a second.
    await until(
      'the watched server is gone',
      () => !running(watched!.postmaster) && !existsSync(watched!.root),
      10_000,
    );
    expect(running(orphan!.postmaster)).toBe(true); // a stray
    await sweepLeftovers();
    // Another run starting a server at this moment may be the one that sweeps it: wait for either.
    await until('the stray is gone', () => !running(orphan!.postmaster) && !existsSync(orphan!.root), 10_000);
  });

  it('the shared server may not be restarted or stopped by a test file', async () => {
    const shared = await sharedPostgres();
    expect(shared.owned).toBe(false);
    await expect(shared.restart()).rejects.toThrow(/start your own with startPostgres\(\)/);
    await expect(shared.stop()).rejects.toThrow(/start your own/);
    expect(await shared.psql('SELECT 1; SELECT 2;')).toBe('1\n2');
  });

  it('a database prepared once serves as the template of others (e.g. a migrated schema)', async () => {
    const template = await createDatabase({ label: 'template' });
    const client = new pg.Client(template.url);
    await client.connect();
    await client.query(
      "CREATE SCHEMA rnr; CREATE TABLE rnr.runs (id text); INSERT INTO rnr.runs VALUES ('r1')",
    );
    await client.end(); // a template may have no connections while it is cloned
    const copy = await createDatabase({ label: 'from-template', template: template.name });
    const reader = new pg.Client(copy.url);
    await reader.connect();
    expect((await reader.query('SELECT id FROM rnr.runs')).rows).toEqual([{ id: 'r1' }]);
    await reader.end();
  });

  it('without PostgreSQL installed, says how to install it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rnr-no-pg-'));
    try {
      expect(() => findPostgresBinaries({ bindir: empty })).toThrow(/apt-get install postgresql/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import {
  cleanTempDirs,
  killHard,
  runRecord,
  startFixture,
  taskEvent,
  tempDir,
} from '../fixtures/store-helpers.js';

cleanTempDirs();

const locked = (text: string) =>
  expect.objectContaining({ code: 'RNR_ERR_JOB_LOCKED', message: expect.stringContaining(text) });

/** Writes an owner row as another process would have left it. */
function recordOwner(
  file: string,
  owner: { pid: number; host?: string; procStart?: string; token?: string },
): void {
  const db = new Database(file);
  db.prepare('INSERT OR REPLACE INTO owners VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    'j',
    owner.pid,
    owner.host ?? hostname(),
    Date.parse('2026-01-02T03:04:05Z'),
    '',
    owner.procStart ?? '',
    owner.token ?? 'someone-else',
  );
  db.close();
}

/** A store file that knows job `j`, unowned. */
async function knownJob(file: string): Promise<void> {
  const store = sqliteStore(file);
  await store.openRun(runRecord('j'));
  await store.commit({ run: runRecord('j', 1), tasks: [], events: [taskEvent('j', 1)] });
  await store.close();
}

describe('sqliteStore job ownership', () => {
  it('one store at a time in a process; released by releaseJob and close', async () => {
    const file = join(tempDir(), 'rnr.db');
    const a = sqliteStore(file);
    const b = sqliteStore(file);
    await a.openRun(runRecord('j'));
    await expect(a.openRun(runRecord('j'))).rejects.toThrow(locked('(this process)'));
    await expect(b.openRun(runRecord('j'))).rejects.toThrow(
      locked(`pid ${process.pid}@${hostname()} since `),
    );
    expect((await b.openRun(runRecord('other'))).created).toBe(true);
    await a.releaseRun('j');
    expect((await b.openRun(runRecord('j'))).run.id).toBe('j');
    await b.close();
    expect((await a.openRun(runRecord('j'))).run.id).toBe('j');
    await a.close();
  });

  it('refuses while another live process owns the job, takes over once it is killed', async () => {
    const file = join(tempDir(), 'rnr.db');
    await knownJob(file);
    const { child, line } = await startFixture('store-probe.ts', [file, 'j', 'hold']);
    try {
      expect(JSON.parse(line)).toMatchObject({ ok: true, resumed: true });
      const store = sqliteStore(file);
      await expect(store.openRun(runRecord('j'))).rejects.toThrow(locked(`pid ${child.pid}@${hostname()}`));
      // Other jobs in the same file are free.
      expect((await store.openRun(runRecord('other'))).created).toBe(true);
      await store.commit({ run: runRecord('other', 1), tasks: [], events: [taskEvent('other', 1)] });
      await killHard(child);
      expect((await store.openRun(runRecord('j'))).run.seq).toBe(1);
      await store.close();
    } finally {
      await killHard(child);
    }
  });

  it('takes over from an owner whose process is gone, or whose pid now belongs to another process', async () => {
    const file = join(tempDir(), 'rnr.db');
    await knownJob(file);
    recordOwner(file, { pid: 2 ** 22 + 17 });
    const store = sqliteStore(file);
    expect((await store.openRun(runRecord('j'))).created).toBe(false);
    await store.releaseRun('j');
    // Our own pid with a token no store here holds: an earlier process (a restarted container).
    recordOwner(file, { pid: process.pid });
    expect((await store.openRun(runRecord('j'))).created).toBe(false);
    await store.releaseRun('j');
    if (process.platform === 'linux') {
      recordOwner(file, { pid: process.ppid, procStart: '1' });
      expect((await store.openRun(runRecord('j'))).created).toBe(false);
    }
    await store.close();
  });

  it('never guesses about an owner on another host, unless told to take over', async () => {
    const file = join(tempDir(), 'rnr.db');
    await knownJob(file);
    recordOwner(file, { pid: 2 ** 22 + 17, host: 'db-runner-7' });
    const store = sqliteStore(file);
    await expect(store.openRun(runRecord('j'))).rejects.toThrow(
      locked(`pid ${2 ** 22 + 17}@db-runner-7 since 2026-01-02T03:04:05.000Z`),
    );
    await store.close();
    const forced = sqliteStore(file, { takeOver: true });
    expect((await forced.openRun(runRecord('j'))).run.seq).toBe(1);
    await forced.close();
  });

  it('stops committing once another process took the job over: RNR_ERR_LEASE_LOST, nothing written', async () => {
    const file = join(tempDir(), 'rnr.db');
    const store = sqliteStore(file);
    await store.openRun(runRecord('j'));
    recordOwner(file, { pid: 4242, host: 'elsewhere' });
    await expect(
      store.commit({ run: runRecord('j', 1), tasks: [], events: [taskEvent('j', 1)] }),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'RNR_ERR_LEASE_LOST',
        message: expect.stringContaining('taken over by pid 4242@elsewhere'),
      }),
    );
    expect(await store.events('j', 0)).toEqual([]);
    await store.close();
  });
});

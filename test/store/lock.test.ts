import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import {
  cleanTempDirs,
  jobRecord,
  killHard,
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
function knownJob(file: string): void {
  const store = sqliteStore(file);
  store.openJob(jobRecord('j'));
  store.commit({ job: jobRecord('j', 1), tasks: [], events: [taskEvent('j', 1)] });
  store.close();
}

describe('sqliteStore job ownership', () => {
  it('one store at a time in a process; released by releaseJob and close', () => {
    const file = join(tempDir(), 'rnr.db');
    const a = sqliteStore(file);
    const b = sqliteStore(file);
    a.openJob(jobRecord('j'));
    expect(() => a.openJob(jobRecord('j'))).toThrow(locked('(this process)'));
    expect(() => b.openJob(jobRecord('j'))).toThrow(locked(`pid ${process.pid}@${hostname()} since `));
    expect(b.openJob(jobRecord('other'))).toBeUndefined();
    a.releaseJob('j');
    expect(b.openJob(jobRecord('j'))?.job.id).toBe('j');
    b.close();
    expect(a.openJob(jobRecord('j'))?.job.id).toBe('j');
    a.close();
  });

  it('refuses while another live process owns the job, takes over once it is killed', async () => {
    const file = join(tempDir(), 'rnr.db');
    knownJob(file);
    const { child, line } = await startFixture('store-probe.ts', [file, 'j', 'hold']);
    try {
      expect(JSON.parse(line)).toMatchObject({ ok: true, resumed: true });
      const store = sqliteStore(file);
      expect(() => store.openJob(jobRecord('j'))).toThrow(locked(`pid ${child.pid}@${hostname()}`));
      // Other jobs in the same file are free.
      expect(store.openJob(jobRecord('other'))).toBeUndefined();
      store.commit({ job: jobRecord('other', 1), tasks: [], events: [taskEvent('other', 1)] });
      await killHard(child);
      expect(store.openJob(jobRecord('j'))?.job.seq).toBe(1);
      store.close();
    } finally {
      await killHard(child);
    }
  });

  it('takes over from an owner whose process is gone, or whose pid now belongs to another process', () => {
    const file = join(tempDir(), 'rnr.db');
    knownJob(file);
    recordOwner(file, { pid: 2 ** 22 + 17 });
    const store = sqliteStore(file);
    expect(store.openJob(jobRecord('j'))).toBeDefined();
    store.releaseJob('j');
    // Our own pid with a token no store here holds: an earlier process (a restarted container).
    recordOwner(file, { pid: process.pid });
    expect(store.openJob(jobRecord('j'))).toBeDefined();
    store.releaseJob('j');
    if (process.platform === 'linux') {
      recordOwner(file, { pid: process.ppid, procStart: '1' });
      expect(store.openJob(jobRecord('j'))).toBeDefined();
    }
    store.close();
  });

  it('never guesses about an owner on another host, unless told to take over', () => {
    const file = join(tempDir(), 'rnr.db');
    knownJob(file);
    recordOwner(file, { pid: 2 ** 22 + 17, host: 'db-runner-7' });
    const store = sqliteStore(file);
    expect(() => store.openJob(jobRecord('j'))).toThrow(
      locked(`pid ${2 ** 22 + 17}@db-runner-7 since 2026-01-02T03:04:05.000Z`),
    );
    store.close();
    const forced = sqliteStore(file, { takeOver: true });
    expect(forced.openJob(jobRecord('j'))?.job.seq).toBe(1);
    forced.close();
  });

  it('stops committing once another process took the job over', () => {
    const file = join(tempDir(), 'rnr.db');
    const store = sqliteStore(file);
    store.openJob(jobRecord('j'));
    recordOwner(file, { pid: 4242, host: 'elsewhere' });
    expect(() => store.commit({ job: jobRecord('j', 1), tasks: [], events: [taskEvent('j', 1)] })).toThrow(
      locked('taken over by pid 4242@elsewhere'),
    );
    expect(store.events('j', 0)).toEqual([]);
    store.close();
  });
});

import { join } from 'node:path';
import { callbackTask, createJob, nestedTask, sqliteStore, type TaskEvent, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { cleanTempDirs, taskEvent, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

/** Fills the file with one finished run of workflow `filler`: `events` events of 500 characters. */
async function filler(file: string, events: number): Promise<void> {
  const store = sqliteStore(file);
  const { run } = await store.createRun({ workflow: 'filler' });
  const opened = await store.openRun(run);
  const log = Array.from({ length: events }, (_, i) =>
    taskEvent(run.id, i + 1, { message: 'f'.repeat(500) }),
  );
  await store.commit({
    run: { ...run, seq: events, state: TaskState.SUCCESS },
    tasks: [],
    events: log,
    ...(opened.fence ? { fence: opened.fence } : {}),
  });
  await store.close();
}

describe('a job whose SQLite store runs out of space (maxBytes)', () => {
  it('halts with RNR_ERR_STORE_IO, stays bounded, recovers once space comes back, loses nothing', async () => {
    const file = join(tempDir(), 'rnr.db');
    await filler(file, 400);
    const store = sqliteStore(file, { maxBytes: 448 * 1024 });
    const clock = new TestClock();
    const children = Array.from({ length: 2000 }, (_, i) =>
      callbackTask({ id: `vm-${i}`, name: `vm-${i}`, poll: () => true }),
    );
    let polls = 0;
    const job = createJob({
      id: 'full',
      name: 'Full',
      root: nestedTask({
        id: 'fleet',
        name: 'fleet',
        parallelism: 50,
        children: [
          callbackTask({
            id: 'canary',
            name: 'canary',
            poll: () => {
              polls++;
            },
          }),
          ...children,
        ],
      }),
      store,
      clock,
      pollIntervalMs: 1000,
    });
    const published: TaskEvent[] = [];
    job.subscribe((e) => published.push(e));
    await job.start();
    const acked = await job.pause('vm-1999', { actor: 'alice', reason: 'keep for last' });
    expect(acked.paused).toBe(true);
    for (let i = 0; i < 100 && !job.halted; i++) await clock.advance(1000);

    const halted = job.halted;
    expect(halted).toMatchObject({ code: 'RNR_ERR_STORE_IO', message: expect.stringContaining('disk full') });
    expect(halted?.message).toContain(file);
    expect(job.summary().halted).toEqual(halted);
    // Halted: actions refused; nothing kept in memory beyond what is stored. A try may fit a small
    // commit in the last free bytes (and the job carries on a little), but memory never runs ahead.
    await expect(job.skip('vm-0', { actor: 'bob' })).rejects.toThrow(
      expect.objectContaining({ code: 'RNR_ERR_STORE_IO' }),
    );
    let halts = 0;
    for (let i = 0; i < 60; i++) {
      await clock.advance(1000);
      if (!job.halted) continue;
      halts++;
      const polled = polls;
      expect(job.seq).toBe((await store.events('full', job.seq - 1)).at(-1)?.seq);
      expect(await store.events('full', job.seq)).toEqual([]);
      await clock.advance(100);
      if (job.halted) expect(polls).toBe(polled);
    }
    expect(halts).toBeGreaterThan(30);
    expect(job.summary().counts.SUCCESS).toBeLessThan(2000);
    // Reads keep working and show the durable state.
    expect(job.getTask('vm-1999').paused).toBe(true);
    expect(await store.events('full', 0)).toEqual(published);

    // Space comes back: another process prunes the filler run.
    const other = sqliteStore(file);
    expect(await other.pruneRuns('filler', 0)).toBe(1);
    await other.close();
    await clock.advance((job.halted?.retryAt ?? clock.now()) - clock.now());
    expect(job.halted).toBeUndefined();
    await job.resume('vm-1999', { actor: 'alice' });
    for (let i = 0; i < 200 && job.summary().counts.SUCCESS < 2000; i++) await clock.advance(1000);
    expect(job.summary().counts.SUCCESS).toBe(2000);

    // Nothing published or acknowledged is missing; the refused skip never happened; seq is dense.
    const log = await store.events('full', 0);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(published).toEqual(log.slice(0, published.length));
    expect(log.filter((e) => e.cause === 2).map((e) => [e.taskId, e.action, e.actor])).toEqual([
      ['vm-1999', 'pause', 'alice'],
      ['vm-1999', 'resume', 'alice'],
    ]);
    expect(log.some((e) => e.cause === 3 && e.reason.startsWith('halted for '))).toBe(true);
    await job.close();
    await store.close();
  }, 60_000);
});

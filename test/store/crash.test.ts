import { join } from 'node:path';
import { callbackTask, createJob, nestedTask, sqliteStore, type TaskEvent } from 'rnr';
import { describe, expect, it } from 'vitest';
import { crashScenario } from '../fixtures/store-crash-check.js';
import { cleanTempDirs, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

describe('a job on sqliteStore, killed with SIGKILL at random moments', () => {
  it('loses nothing acknowledged or published, never reuses a seq, and still finishes', async () => {
    const report = await crashScenario(join(tempDir(), 'rnr.db'), 4, 20_261_126);
    expect(report.problems).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(2);
    expect(report.acks).toBeGreaterThan(0);
  }, 60_000);
});

describe('a job whose store runs out of disk', () => {
  it('publishes only what is stored; the failing tick and operator call report RNR_ERR_STORE_IO', async () => {
    const file = join(tempDir(), 'rnr.db');
    const store = sqliteStore(file, { maxBytes: 96 * 1024 });
    const children = Array.from({ length: 2000 }, (_, i) =>
      callbackTask({ name: `vm-${i}`, poll: () => true }),
    );
    const job = createJob({
      id: 'full',
      name: 'Full',
      root: nestedTask({ name: 'fleet', parallelism: 50, children }),
      store,
    });
    const published: TaskEvent[] = [];
    job.subscribe((e) => published.push(e));
    let failure: unknown;
    for (let i = 0; i < 100 && !failure; i++) {
      try {
        await job.tick();
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toMatchObject({ code: 'RNR_ERR_STORE_IO', message: expect.stringContaining(file) });
    expect(() => job.pause('fleet', { actor: 'alice' })).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_STORE_IO' }),
    );
    const stored = store.events('full', 0);
    expect(published.length).toBeGreaterThan(0);
    expect(stored).toEqual(published);
    expect(stored.some((e) => e.action === 'pause')).toBe(false);
    store.close();
  });
});

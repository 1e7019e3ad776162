import { join } from 'node:path';
import { callbackTask, createJob, nestedTask, sqliteStore, type TaskEvent } from 'rnr';
import { describe, expect, it } from 'vitest';
import { cleanTempDirs, tempDir } from './fixtures/store-helpers.js';

cleanTempDirs();

const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => callbackTask({ name: `vm-${i}`, poll: () => true }));

describe('a job whose store runs out of disk', () => {
  it('publishes only what is stored; the failing tick and operator call report RNR_ERR_STORE_IO', async () => {
    const file = join(tempDir(), 'rnr.db');
    const store = sqliteStore(file, { maxBytes: 96 * 1024 });
    const root = nestedTask({ id: 'fleet', name: 'fleet', parallelism: 50, children: leaves(2000) });
    const job = createJob({ id: 'full', name: 'Full', root, store });
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
    expect(stored.slice(0, published.length)).toEqual(published);
    expect(stored.length).toBe(published.length);
    expect(stored.some((e) => e.action === 'pause')).toBe(false);
    store.close();
  });
});

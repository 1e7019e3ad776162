// The audit table's queue is bounded: while the database does not answer, at most 10,000 records
// wait for it; the next ones are refused at once (the caller keeps its copy), and room comes back
// as records are written.
import { describe, expect, it } from 'vitest';
import { PgAudit } from '../../src/store/postgres/pg-audit.js';
import type { PgDatabase } from '../../src/store/postgres/pg-database.js';

describe('PgAudit', () => {
  it('refuses records past 10,000 waiting, and takes them again once the database answers', async () => {
    const pending: (() => void)[] = [];
    let inserted = 0;
    const db = {
      schema: '"rnr"',
      query: (_doing: string, config: { values: unknown[] }) =>
        new Promise<void>((resolve) => {
          pending.push(() => {
            inserted += (config.values[1] as unknown[]).length;
            resolve();
          });
        }),
    } as unknown as PgDatabase;
    const audit = new PgAudit(db, 'p1');
    const appended = Array.from({ length: 10_000 }, (_, i) => audit.append({ job: `j${i}`, record: { i } }));
    await expect(audit.append({ job: 'over', record: {} })).rejects.toMatchObject({
      code: 'RNR_ERR_STORE_IO',
      message: expect.stringContaining('10000 records already wait'),
    });
    // The database answers: the first insert (one record), then the rest in batches of 500.
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(appended);
    expect(inserted).toBe(10_000);
    const again = audit.append({ job: 'later', record: {} });
    pending.shift()?.();
    await expect(again).resolves.toBeUndefined();
  });
});

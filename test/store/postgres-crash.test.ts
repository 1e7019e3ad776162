import { describe, expect, it } from 'vitest';
import { createDatabase } from '../fixtures/postgres/index.js';
import { crashScenario } from '../fixtures/store-crash-check.js';

describe('a job on postgresStore, its process killed with SIGKILL at random moments', () => {
  it('loses nothing acknowledged or published, never reuses a seq, and resumes to the end', async () => {
    const db = await createDatabase({ label: 'crash' });
    const report = await crashScenario(db.url, 4, 20_261_130);
    expect(report.problems).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(2);
    expect(report.acks).toBeGreaterThan(0);
  }, 90_000);
});

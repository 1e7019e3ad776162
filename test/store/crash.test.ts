import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashScenario } from '../fixtures/store-crash-check.js';
import { cleanTempDirs, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

describe('a job on sqliteStore, killed with SIGKILL at random moments', () => {
  it('loses nothing acknowledged or published, never reuses a seq, and still finishes', async () => {
    const report = await crashScenario(`sqlite:${join(tempDir(), 'rnr.db')}`, 4, 20_261_126);
    expect(report.problems).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(2);
    expect(report.acks).toBeGreaterThan(0);
  }, 60_000);
});

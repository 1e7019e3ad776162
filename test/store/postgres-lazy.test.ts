import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** node-postgres only for those who use it: `rnr/postgres` loads it, `rnr` and `rnr/server` never do. */
describe('pg loading', () => {
  it('is not loaded by importing rnr, rnr/server or rnr/testing, and is by rnr/postgres', () => {
    const out = execFileSync(process.execPath, ['bin/run-ts.js', 'test/fixtures/pg-lazy-probe.mjs'], {
      cwd: root,
    });
    const last = out.toString().trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toEqual({ afterImport: false, afterPostgres: true, factory: 'function' });
  });
});

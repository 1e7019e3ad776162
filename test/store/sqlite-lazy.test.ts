import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Native code only when used: better-sqlite3 loads when a SQLite store is opened, not on import. */
describe('better-sqlite3 loading', () => {
  it('is not loaded by importing rnr or rnr/server, and is once a SQLite store opens', () => {
    const out = execFileSync(process.execPath, ['bin/run-ts.js', 'test/fixtures/sqlite-lazy-probe.mjs'], {
      cwd: root,
    });
    const last = out.toString().trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toEqual({ afterImport: false, afterOpen: true });
  });
});

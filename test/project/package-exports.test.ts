import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const expected = ['function', 'object', 'function', 'function'];
const lastLine = (out: Buffer) => JSON.parse(out.toString().trim().split('\n').at(-1) ?? '');

/**
 * In the repository, the entry points resolve by name to the TypeScript sources (the private
 * `rnr-source` condition), so the dev loop needs no build. How they resolve for users, from the
 * built package, is test/project/pack.test.ts.
 */
describe('package exports in the repository', () => {
  it('resolve to the sources without a build step, through the loader bin/rnr.js uses', () => {
    const out = execFileSync(process.execPath, ['bin/run-ts.js', 'test/fixtures/exports-probe.mjs'], {
      cwd: root,
    });
    expect(lastLine(out)).toEqual(expected);
  });
});

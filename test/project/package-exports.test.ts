import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const expected = ['function', 'object', 'function', 'function'];
const lastLine = (out: Buffer) => JSON.parse(out.toString().trim().split('\n').at(-1) ?? '');

/** The package's entry points resolve by name both from source (no build) and from a build. */
describe('package exports', () => {
  it('resolve without a build step, through the loader bin/rnr.js uses', () => {
    const out = execFileSync(process.execPath, ['bin/run-ts.js', 'test/fixtures/exports-probe.mjs'], {
      cwd: root,
    });
    expect(lastLine(out)).toEqual(expected);
  });

  it('resolve from dist/ after `npm run build`, with plain node', () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    const out = execFileSync(process.execPath, ['test/fixtures/exports-probe.mjs'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(lastLine(out)).toEqual(expected);
  }, 120_000);
});

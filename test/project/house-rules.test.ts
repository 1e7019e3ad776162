// Conventions that hold by test: the project speaks for itself (no file cites the design contract,
// which is not in the repo: what a maintainer needs is in docs/), and no source file grows past 400
// lines (generated code aside). The import rules are in import-rules.test.ts and biome.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: repo,
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => path !== '');
const read = (path: string): string => {
  try {
    return readFileSync(`${repo}${path}`, 'utf8');
  } catch {
    return ''; // deleted in the working tree but not yet in the index
  }
};

const text = /\.(ts|tsx|mts|js|mjs|cjs|css|html|md|json|proto|yml|yaml)$/;
const source = /\.(ts|tsx|mts|js|mjs|cjs|css)$/;

describe('house rules', () => {
  it('no file cites the design contract (the project documents itself in docs/)', () => {
    const contract = new RegExp(`\\b${'DES'}IGN\\b`);
    const citing = tracked.filter((path) => text.test(path) && contract.test(read(path)));
    expect(citing).toEqual([]);
  });

  it('no source file is over 400 lines, generated code aside', () => {
    const long = tracked
      .filter((path) => source.test(path) && !path.startsWith('src/generated/'))
      .map((path) => [path, read(path).split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it.each(Object.entries(errorCodes))('lists %s with its HTTP status', (code, { status }) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'));
  });

  it('lists no code that does not exist', () => {
    const listed = [...doc.matchAll(/^\| `(RNR_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed.filter((code) => !(code! in errorCodes))).toEqual([]);
  });
});

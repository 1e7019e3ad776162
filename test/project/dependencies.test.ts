// What installing rnr pulls in must run on every Node that rnr's `engines` promises: npm warns
// EBADENGINE for any dependency that wants more (cookie@2 and content-disposition@3 wanted 22),
// and a package's own `overrides` never reach its users, so the fix is in the versions chosen.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const repo = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', repo), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', repo), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('dependencies and engines', () => {
  it('promise the Node that require(esm) needs: 20.19 and later', () => {
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('every package a user installs with rnr accepts the oldest Node rnr promises, and this one', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version ?? '20.19.0';
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const wants = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!wants) continue;
      for (const node of [oldest, process.versions.node])
        if (!semver.satisfies(node, wants))
          refused.push(`${path}@${entry.version} wants node ${wants} (not ${node})`);
    }
    expect(refused).toEqual([]);
  });
});

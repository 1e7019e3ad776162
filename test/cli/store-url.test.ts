import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStoreUrl, redact, storeFromFlags } from '../../src/cli/store-url.js';

const cwd = '/srv/ops';
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect((err as { code?: string }).code).toBe('RNR_ERR_USAGE');
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('store flags', () => {
  it('default to sqlite in .rnr under the working directory', () => {
    const spec = storeFromFlags({}, cwd);
    expect(spec.url).toBe('sqlite:.rnr/rnr.db');
    expect(spec.stateDir).toBe('/srv/ops/.rnr');
  });

  it('--state-dir DIR is sqlite:DIR/rnr.db', () => {
    expect(storeFromFlags({ stateDir: '/var/lib/rnr' }, cwd)).toMatchObject({
      url: 'sqlite:/var/lib/rnr/rnr.db',
      stateDir: '/var/lib/rnr',
    });
  });

  it('--store sqlite:PATH is relative to the working directory; sqlite:///abs and sqlite://rel too', () => {
    expect(parseStoreUrl('sqlite:state/x.db', cwd).stateDir).toBe('/srv/ops/state');
    expect(parseStoreUrl('sqlite:/abs/x.db', cwd).stateDir).toBe('/abs');
    expect(parseStoreUrl('sqlite:///abs/y.db', cwd).stateDir).toBe('/abs');
    expect(parseStoreUrl('sqlite://rel/y.db', cwd).stateDir).toBe('/srv/ops/rel');
  });

  it('RNR_STORE applies when neither flag is given; a flag wins over it', () => {
    expect(storeFromFlags({ env: 'sqlite:env.db' }, cwd).url).toBe('sqlite:env.db');
    expect(storeFromFlags({ env: 'sqlite:env.db', stateDir: 'd' }, cwd).url).toBe('sqlite:d/rnr.db');
    expect(storeFromFlags({ env: 'sqlite:env.db', store: 'sqlite:f.db' }, cwd).url).toBe('sqlite:f.db');
  });

  it.each([
    [{ store: 'sqlite:a.db', stateDir: 'b' }, /--store and --state-dir both say where state lives/],
    [{ store: 'sqlite:' }, /no file: expected sqlite:PATH/],
    [{ store: 'sqlite::memory:' }, /in-memory database forgets every run/],
    [
      { store: 'mysql://db/rnr' },
      /unknown kind of store; expected one of sqlite:…, postgres:…, postgresql:…/,
    ],
    [{ store: '.rnr/rnr.db' }, /a file\? write sqlite:\.rnr\/rnr\.db/],
    [{ store: 'postgres://rnr:s3cret@/rnr' }, /postgres:\/\/rnr:\*\*\*@\/rnr: not a URL/],
    [{ store: 'postgresql://rnr:s3cret@db:port/rnr' }, /postgresql:\/\/rnr:\*\*\*@db:port\/rnr: not a URL/],
  ])('refuses %j', (flags, message) => {
    const text = usage(() => storeFromFlags(flags, cwd));
    expect(text).toMatch(message);
    expect(text).not.toContain('s3cret');
  });

  it('postgres:// and postgresql:// name a PostgreSQL store, shown without the password', () => {
    for (const url of ['postgres://rnr:s3cret@db:5432/ops', 'postgresql://rnr:s3cret@db/ops?schema=rnr2']) {
      const spec = storeFromFlags({ store: url }, cwd);
      expect(spec.url).not.toContain('s3cret');
      expect(spec.url).toMatch(/^postgres(ql)?:\/\/rnr:\*\*\*@db/);
      expect(spec.stateDir).toBe('/srv/ops/.rnr');
    }
    expect(storeFromFlags({ env: 'postgres://db/ops' }, cwd).url).toBe('postgres://db/ops');
  });

  it('masks passwords', () => {
    expect(redact('postgres://u:p@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redact('postgres://h/db')).toBe('postgres://h/db');
  });

  describe('open', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('creates the directory of a SQLite file and opens the store', async () => {
      dir = mkdtempSync(join(tmpdir(), 'rnr-store-url-'));
      const spec = parseStoreUrl('sqlite:deep/er/rnr.db', dir);
      const store = await spec.open();
      expect(store.description).toBe(`sqlite:${join(dir, 'deep/er/rnr.db')}`);
      await store.close();
    });
  });
});

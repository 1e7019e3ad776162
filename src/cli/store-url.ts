import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RnrError } from '../errors.js';
import type { Store } from '../index.js';

// Where `rnr run` and `rnr serve` keep their state: `--store URL`, `--state-dir DIR` or
// `RNR_STORE`. The one place a store URL becomes a Store: a new kind of store is one more entry
// in `kinds` below.

/** The default `--state-dir`. */
export const DEFAULT_STATE_DIR = '.rnr';

/** The store flags of `rnr run` / `rnr serve`, as parsed (and the environment). */
export interface StoreFlags {
  /** `--store URL`. */
  store?: string;
  /** `--state-dir DIR`. */
  stateDir?: string;
  /** `RNR_STORE` (used when neither flag is given). */
  env?: string;
}

/** A store URL, understood. */
export interface StoreSpec {
  /** The URL as the user wrote it (or `sqlite:<state-dir>/rnr.db`); for messages. */
  url: string;
  /** Where the audit file and other files beside the state go. */
  stateDir: string;
  /** True for a store several processes may share (PostgreSQL). */
  shared: boolean;
  /** Opens the store (creating a SQLite file's directory); `leaseMs` for a shared one. */
  open(options?: { leaseMs?: number }): Promise<Store>;
}

const usage = (message: string) => new RnrError('RNR_ERR_USAGE', message);

interface StoreKind {
  /** URL schemes this kind takes, with their colon. */
  schemes: readonly string[];
  /** The spec of a URL of this kind; throws a usage error naming the problem. */
  parse(url: string, cwd: string): StoreSpec;
}

function sqliteSpec(url: string, path: string, stateDir: string): StoreSpec {
  return {
    url,
    stateDir,
    shared: false,
    async open() {
      mkdirSync(dirname(path), { recursive: true });
      const { sqliteStore } = await import('../index.js');
      return sqliteStore(path);
    },
  };
}

const kinds: readonly StoreKind[] = [
  {
    schemes: ['sqlite:'],
    parse(url, cwd) {
      // `sqlite:PATH`, relative to the working directory; `sqlite:///abs/path` is accepted too.
      let rest = url.slice('sqlite:'.length);
      if (rest.startsWith('//')) rest = rest.slice(2);
      if (rest === '' || rest === '//')
        throw usage(`--store ${url}: no file: expected sqlite:PATH, e.g. sqlite:.rnr/rnr.db`);
      if (rest === ':memory:' || rest.startsWith('file::memory:')) {
        throw usage(
          `--store ${url}: an in-memory database forgets every run when the process ends; give a file, e.g. sqlite:.rnr/rnr.db`,
        );
      }
      const path = resolve(cwd, rest);
      return sqliteSpec(url, path, dirname(path));
    },
  },
  {
    schemes: ['postgres:', 'postgresql:'],
    parse(url, cwd) {
      // Checked now, so a typo is a usage error (exit 2) before anything starts; the password
      // never appears in a message.
      try {
        new URL(url);
      } catch {
        throw usage(
          `--store ${redact(url)}: not a URL: expected postgres://user:password@host:port/database`,
        );
      }
      return {
        url: redact(url),
        // The audit file stays on this machine, in the default state directory.
        stateDir: resolve(cwd, DEFAULT_STATE_DIR),
        shared: true,
        async open(options = {}) {
          const { postgresStore } = await import('../store/postgres/index.js');
          return postgresStore(url, options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs });
        },
      };
    },
  },
];

/** A URL with its password (if any) masked, for messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, '$1***@');
}

/** Turns one store URL into its spec, or a usage error listing the kinds rnr knows. */
export function parseStoreUrl(url: string, cwd = process.cwd()): StoreSpec {
  const trimmed = url.trim();
  const lower = trimmed.toLowerCase();
  const kind = kinds.find((k) => k.schemes.some((scheme) => lower.startsWith(scheme)));
  if (!kind) {
    const known = kinds.flatMap((k) => k.schemes.map((s) => `${s}…`)).join(', ');
    const hint = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? '' : ` (a file? write sqlite:${trimmed})`;
    throw usage(
      `--store ${JSON.stringify(redact(trimmed))}: unknown kind of store${hint}; expected one of ${known}`,
    );
  }
  return kind.parse(trimmed, cwd);
}

/**
 * The store the flags choose: `--store URL`, else `--state-dir DIR` (`sqlite:DIR/rnr.db`), else
 * `RNR_STORE`, else `.rnr`. Both flags at once is a usage error (exit 2).
 *
 * @example
 * const spec = storeFromFlags({ stateDir: '/var/lib/rnr' }); // sqlite:/var/lib/rnr/rnr.db
 * const store = await spec.open();
 */
export function storeFromFlags(flags: StoreFlags, cwd = process.cwd()): StoreSpec {
  if (flags.store !== undefined && flags.stateDir !== undefined) {
    throw usage('--store and --state-dir both say where state lives: give one of them');
  }
  if (flags.store !== undefined) return parseStoreUrl(flags.store, cwd);
  if (flags.stateDir === undefined && flags.env) return parseStoreUrl(flags.env, cwd);
  const dir = resolve(cwd, flags.stateDir ?? DEFAULT_STATE_DIR);
  if ((flags.stateDir ?? DEFAULT_STATE_DIR).trim() === '') throw usage('--state-dir needs a directory');
  return sqliteSpec(
    `sqlite:${join(flags.stateDir ?? DEFAULT_STATE_DIR, 'rnr.db')}`,
    join(dir, 'rnr.db'),
    dir,
  );
}

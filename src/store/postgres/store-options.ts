import { describeValue, RnrError } from '../../errors.js';
import { checkLeaseMs, DEFAULT_LEASE_MS } from '../lease-timings.js';

/**
 * Options of `postgresStore`: where the database is (a URL, or its parts), rnr's schema, and the
 * connection pool's limits. pg's own environment variables (`PGHOST`, `PGUSER`, `PGPASSWORD`, …)
 * fill in what neither gives, as for `psql`.
 */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`); `?schema=` sets {@link schema}. */
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** TLS: `true`, or node's `tls.connect` options (`ca`, `rejectUnauthorized`, …). */
  ssl?: boolean | Record<string, unknown>;
  /** The schema of rnr's tables (default `rnr`): lower-case letters, digits and `_`. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** How long to wait for a connection, from the pool or the server (default 10,000 ms). */
  connectionTimeoutMillis?: number;
  /** Idle connections are closed after this long (default 30,000 ms). */
  idleTimeoutMillis?: number;
  /** The server cancels a statement that runs longer (default 60,000 ms; 0: never). */
  statementTimeoutMillis?: number;
  /** Shown in `pg_stat_activity` (default `rnr`). */
  applicationName?: string;
  /**
   * Open runs even when their recorded owner may be alive: an owner on another host (or in
   * another container) cannot be checked. Only for when you know that process is gone.
   */
  takeOver?: boolean;
  /**
   * How long a run's lease lasts (ms; default 15,000): the process renews it every 2/15 of that,
   * stops acting on its runs 10/15 of it after its last renewal, and another process takes over a
   * run once it lapsed. Give every process sharing a database the same lease (docs/cluster.md).
   */
  leaseMs?: number;
}

/** The options, checked, with every default applied. */
export interface StoreSettings {
  pool: Record<string, unknown>;
  schema: string;
  takeOver: boolean;
  leaseMs: number;
  /** `postgres://user@host:port/database (schema rnr)`: never holds the password. */
  description: string;
  /** The password, raw and URL-encoded, to scrub from any message. */
  secrets: string[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function bad(what: string, value: unknown, expected: string): never {
  throw new RnrError(
    'RNR_ERR_INVALID_OPTION',
    `postgresStore ${what}: got ${describeValue(value)}, expected ${expected}`,
  );
}

function count(what: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    bad(what, value, `an integer of at least ${min}`);
  return value;
}

/** `postgres://user:***@host/db` → `postgres://user@host/db`: a URL without its password. */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return url;
  const rest = url.slice(scheme.length);
  // The authority ends at the first '/', '?' or '#' after the last '@' (a password may hold any of them).
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  return colon < 0 ? url : `${scheme}${userinfo.slice(0, colon)}@${rest.slice(at + 1)}`;
}

interface ParsedUrl {
  url: string;
  schema: string | undefined;
  user: string;
  password: string;
  where: string;
}

/** Checks a connection URL and takes rnr's own `schema` parameter out of it. */
function parseUrl(raw: unknown): ParsedUrl {
  if (typeof raw !== 'string' || !/^postgres(ql)?:\/\//i.test(raw.trim()))
    bad(
      'URL',
      typeof raw === 'string' ? redactUrl(raw) : raw,
      'postgres://user:password@host:port/database (or postgresql://…)',
    );
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    bad('URL', redactUrl(text), 'a well-formed postgres:// URL (percent-encode special characters)');
  }
  let password = '';
  try {
    password = decodeURIComponent(url.password);
    decodeURIComponent(url.pathname);
    decodeURIComponent(url.username);
  } catch {
    bad('URL', redactUrl(text), 'a URL whose percent-encoding is valid');
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const user = decodeURIComponent(url.username);
  const where = `${url.host || url.searchParams.get('host') || 'localhost'}${url.pathname === '/' ? '' : url.pathname}`;
  return { url: url.href, schema, user, password, where };
}

/** Reads `postgresStore`'s arguments: a URL and options, or options alone. */
export function storeSettings(
  target: string | PostgresStoreOptions,
  extra: PostgresStoreOptions = {},
): StoreSettings {
  const given = typeof target === 'string' ? { ...extra, connectionString: target } : target;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    bad('argument', given, 'a postgres:// URL or an options object');
  const o: PostgresStoreOptions = given;
  const pool: Record<string, unknown> = {};
  const secrets: string[] = [];
  let user = o.user;
  let where = `${o.host ?? 'localhost'}${o.port === undefined ? '' : `:${o.port}`}/${o.database ?? ''}`;
  let schema = o.schema;
  if (o.connectionString !== undefined) {
    const parsed = parseUrl(o.connectionString);
    pool.connectionString = parsed.url;
    if (parsed.password) secrets.push(parsed.password);
    user ??= parsed.user;
    where = parsed.where;
    schema ??= parsed.schema;
  }
  for (const key of ['host', 'user', 'database', 'password'] as const) {
    const value = o[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || (key !== 'password' && value === ''))
      bad(key, key === 'password' ? '(hidden)' : value, 'a non-empty string');
    pool[key] = value;
  }
  if (o.password) secrets.push(o.password);
  for (const secret of [...secrets]) secrets.push(encodeURIComponent(secret));
  if (o.port !== undefined) pool.port = count('port', o.port, 5432, 1);
  if (o.ssl !== undefined) {
    if (typeof o.ssl !== 'boolean' && (typeof o.ssl !== 'object' || o.ssl === null))
      bad('ssl', o.ssl, 'true, false or TLS options');
    pool.ssl = o.ssl;
  }
  schema ??= 'rnr';
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema) || schema.startsWith('pg_'))
    bad('schema', schema, 'a lower-case name of letters, digits and _ (not starting with pg_)');
  pool.max = count('max', o.max, 10, 1);
  pool.connectionTimeoutMillis = count('connectionTimeoutMillis', o.connectionTimeoutMillis, 10_000, 1);
  pool.idleTimeoutMillis = count('idleTimeoutMillis', o.idleTimeoutMillis, 30_000, 1);
  const statementTimeout = count('statementTimeoutMillis', o.statementTimeoutMillis, 60_000, 0);
  if (statementTimeout > 0) {
    pool.statement_timeout = statementTimeout;
    // A connection that died without a word (a partition, a failover without a reset) never
    // answers: give up on it a little after the server would have cancelled the statement.
    pool.query_timeout = statementTimeout + 5_000;
  }
  // A client that died inside a transaction must not hold the run's row lock for long.
  pool.idle_in_transaction_session_timeout = 60_000;
  pool.keepAlive = true;
  pool.keepAliveInitialDelayMillis = 10_000;
  const applicationName = o.applicationName ?? 'rnr';
  if (typeof applicationName !== 'string' || applicationName === '')
    bad('applicationName', applicationName, 'a non-empty string');
  pool.application_name = applicationName;
  if (o.takeOver !== undefined && typeof o.takeOver !== 'boolean') bad('takeOver', o.takeOver, 'a boolean');
  const who = user ? `${user}@` : '';
  return {
    pool,
    schema,
    takeOver: o.takeOver ?? false,
    leaseMs: o.leaseMs === undefined ? DEFAULT_LEASE_MS : checkLeaseMs(o.leaseMs, 'postgresStore leaseMs'),
    description: `postgres://${who}${where} (schema ${schema})`,
    secrets,
  };
}

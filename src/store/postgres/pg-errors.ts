import { describeError, isRnrError, RnrError } from '../../errors.js';

// How node-postgres fails (docs/postgres-notes.md has the table): server errors carry a SQLSTATE in
// `code`, socket errors an errno (`ECONNREFUSED`), and the errors pg makes itself when a connection
// dies (`Connection terminated unexpectedly`) carry no code at all. This file sorts them into what
// the store does next and into the RnrError the caller sees, its message free of any password.

/** SQLSTATEs and errnos that mean "the server could not be talked to", not "the statement failed". */
const CONNECTION_STATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, pg_ctl stop -m fast, a failover
  '57P02', // crash_shutdown: another backend crashed
  '57P03', // cannot_connect_now: starting up, in recovery, shutting down
  '53300', // too_many_connections
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What a pg error says about the connection and the statement. */
export type FailureKind =
  /** The connection failed or was lost: nothing more is known of a statement in flight. */
  | 'connection'
  /** A conflict between transactions (serialization, deadlock): safe to run the transaction again. */
  | 'conflict'
  /** The statement failed on the server; the connection is fine. */
  | 'statement';

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Sorts an error thrown by pg. */
export function failureKind(err: unknown): FailureKind {
  if (isRnrError(err)) return 'statement';
  const code = codeOf(err);
  if (code === undefined) return 'connection'; // pg's own: "Connection terminated unexpectedly" …
  if (code === '40001' || code === '40P01') return 'conflict';
  if (CONNECTION_STATES.has(code) || code.startsWith('08')) return 'connection';
  return 'statement';
}

/** Replaces every given secret in `text` with `***` (passwords, raw and URL-encoded). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 1) out = out.split(secret).join('***');
  return out;
}

/** What an error message adds when a transaction's COMMIT (or a commit's statement) got no answer. */
export const UNKNOWN_OUTCOME =
  '; the connection was lost before the server answered, so whether it was written is unknown (a job reloads its run from the store once the store answers again)';

/** What the store was doing, where: for messages. */
export interface ErrorContext {
  /** `postgres://user@host:port/db (schema rnr)`: never holds the password. */
  description: string;
  /** Passwords to scrub from every message. */
  secrets: readonly string[];
}

function withCode(err: unknown): string {
  const message = describeError(err);
  const code = codeOf(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * The RnrError the caller sees for a pg error met while `doing` something. Connection failures are
 * `RNR_ERR_STORE_UNAVAILABLE` — for a commit this means its outcome is unknown (see
 * docs/durability.md); an RnrError passes through unchanged.
 */
export function storeError(ctx: ErrorContext, doing: string, err: unknown, more = ''): RnrError {
  if (isRnrError(err)) return err;
  const code = codeOf(err);
  const where = `rnr store ${ctx.description}`;
  const say = (rnrCode: ConstructorParameters<typeof RnrError>[0], text: string) =>
    new RnrError(rnrCode, scrub(`${where}: ${doing}: ${text}${more}`, ctx.secrets));
  switch (code) {
    case '28P01':
    case '28000':
      return say(
        'RNR_ERR_STORE_UNAVAILABLE',
        `the server refused the login: wrong password, unknown user, or no pg_hba.conf entry for this client (${code})`,
      );
    case '3D000':
      return say('RNR_ERR_STORE_UNAVAILABLE', `the database does not exist (${code}); create it first`);
    case '42501':
      return say(
        'RNR_ERR_STORE_IO',
        `permission denied (${code}): ${describeError(err)}; the user needs CREATE on the database (or a schema created for it) and rights on the store's tables`,
      );
    case '25006':
      return say(
        'RNR_ERR_STORE_UNAVAILABLE',
        `the server is read-only (a standby or a read-only transaction): ${describeError(err)}`,
      );
    case '53100':
      return say('RNR_ERR_STORE_IO', `the server's disk is full: ${describeError(err)}`);
    case '57014':
      return say('RNR_ERR_STORE_IO', `the statement timed out or was cancelled: ${describeError(err)}`);
  }
  if (failureKind(err) === 'connection') {
    const text = describeError(err);
    const timeout = /timeout exceeded when trying to connect/i.test(text);
    return say(
      'RNR_ERR_STORE_UNAVAILABLE',
      timeout ? `no connection within the connection timeout (${text})` : withCode(err),
    );
  }
  return say('RNR_ERR_STORE_IO', withCode(err));
}

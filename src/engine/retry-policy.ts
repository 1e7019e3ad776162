import { describeValue, RnrError } from '../errors.js';
import { formatDuration } from './duration.js';

/** The `backoff` of a task's `retry` option: how long to wait before each new try. */
export interface BackoffOptions {
  /** The wait before the first retry, in ms (≥ 0). */
  initialMs: number;
  /** Each wait is the one before times this (≥ 1). Default 2. */
  factor?: number;
  /** No wait is longer (≥ initialMs). Default: no limit but {@link MAX_BACKOFF_MS}. */
  maxMs?: number;
  /** A random fraction, up to this much (0..1), is taken off each wait. Default 0. */
  jitter?: number;
}

/** The `retry` option of `callbackTask` and `machineTask`: automatic retries of a task that FAILED. */
export interface RetryOptions {
  /** How many tries in all, the first included (an integer, 1..{@link MAX_ATTEMPTS}). */
  attempts: number;
  /** The wait before each retry. Default: none (the retry starts on the next tick). */
  backoff?: BackoffOptions;
}

/** A checked `retry` option, as a task spec keeps it (defaults filled in). */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff?: {
    readonly initialMs: number;
    readonly factor: number;
    readonly maxMs?: number;
    readonly jitter: number;
  };
}

/** The most tries a `retry` option may ask for. */
export const MAX_ATTEMPTS = 1000;
/** No backoff waits longer than 30 days, whatever its factor and attempts say. */
export const MAX_BACKOFF_MS = 30 * 24 * 3_600_000;

const retryKeys = ['attempts', 'backoff'];
const backoffKeys = ['initialMs', 'factor', 'maxMs', 'jitter'];

function invalid(where: string, field: string, value: unknown, expected: string): never {
  throw new RnrError(
    'RNR_ERR_INVALID_OPTION',
    `${where} ${field}: got ${describeValue(value, 200)}, expected ${expected}`,
  );
}

/** Refuses keys that are not options (`retry.backof`), naming the first one and the known ones. */
function checkKeys(where: string, field: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new RnrError(
        'RNR_ERR_INVALID_OPTION',
        `${where} ${field}.${key}: unknown option; ${field} takes ${known.join(', ')}`,
      );
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number of ms in [0, MAX_BACKOFF_MS], or the error naming `field`. */
function checkMs(where: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_BACKOFF_MS) {
    invalid(where, field, value, `a number of milliseconds from ${min} to ${MAX_BACKOFF_MS} (30 days)`);
  }
  return value;
}

/**
 * Checks a task's `retry` option (`where` names the task) and fills in its defaults; undefined when
 * the option is absent. Each bad value is `RNR_ERR_INVALID_OPTION` naming its field
 * (`retry.backoff.factor`).
 */
export function checkRetry(where: string, value: unknown): RetryPolicy | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) invalid(where, 'retry', value, 'an object { attempts, backoff? }');
  checkKeys(where, 'retry', value, retryKeys);
  const attempts = value.attempts;
  if (
    typeof attempts !== 'number' ||
    !Number.isInteger(attempts) ||
    attempts < 1 ||
    attempts > MAX_ATTEMPTS
  ) {
    invalid(
      where,
      'retry.attempts',
      attempts,
      `an integer from 1 to ${MAX_ATTEMPTS} (tries in all, the first included)`,
    );
  }
  const b = value.backoff;
  if (b === undefined) return Object.freeze({ attempts });
  if (!isObject(b)) invalid(where, 'retry.backoff', b, 'an object { initialMs, factor?, maxMs?, jitter? }');
  checkKeys(where, 'retry.backoff', b, backoffKeys);
  const initialMs = checkMs(where, 'retry.backoff.initialMs', b.initialMs, 0);
  const factor = b.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 1000) {
    invalid(where, 'retry.backoff.factor', b.factor, 'a number from 1 to 1000');
  }
  const maxMs = b.maxMs === undefined ? undefined : checkMs(where, 'retry.backoff.maxMs', b.maxMs, initialMs);
  const jitter = b.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    invalid(where, 'retry.backoff.jitter', b.jitter, 'a fraction from 0 to 1');
  }
  const backoff = { initialMs, factor, jitter, ...(maxMs !== undefined && { maxMs }) };
  return Object.freeze({ attempts, backoff: Object.freeze(backoff) });
}

/**
 * The wait before retry `n` (1: the first retry, after the first try failed), in whole ms:
 * `initialMs × factor^(n−1)`, at most `maxMs` (and {@link MAX_BACKOFF_MS}), less a random part of
 * up to `jitter` of it (`random()` in [0, 1)). 0 without a backoff.
 */
export function backoffDelay(policy: RetryPolicy, n: number, random: () => number): number {
  const b = policy.backoff;
  if (!b) return 0;
  const cap = Math.min(b.maxMs ?? MAX_BACKOFF_MS, MAX_BACKOFF_MS);
  const nominal = Math.min(b.initialMs * b.factor ** Math.max(0, n - 1), cap);
  const r = b.jitter > 0 ? Math.min(Math.max(Number(random()) || 0, 0), 1) : 0;
  return Math.floor(nominal * (1 - b.jitter * r));
}

/** `in 30s` or, for no wait, `on the next tick`. */
export function waitText(ms: number): string {
  return ms > 0 ? `in ${formatDuration(ms)}` : 'on the next tick';
}

/** The status line of a task waiting for its next try: `retrying in 30s, attempt 2/5; attempt 1 failed: …`. */
export function retryWaitLine(
  policy: RetryPolicy,
  failedAttempt: number,
  delayMs: number,
  why: string,
): string {
  const next = failedAttempt + 2;
  const failed =
    why === '' ? `attempt ${failedAttempt + 1} failed` : `attempt ${failedAttempt + 1} failed: ${why}`;
  return `retrying ${waitText(delayMs)}, attempt ${next}/${policy.attempts}; ${failed}`;
}

/** The status line of a task whose last try failed with no retry left: `attempt 5/5 failed, no retries left: …`. */
export function retriesExhaustedLine(policy: RetryPolicy, attempt: number, why: string): string {
  const head = `attempt ${attempt + 1}/${policy.attempts} failed, no retries left`;
  return why === '' ? head : `${head}: ${why}`;
}

/** The status line of a task as its next try starts: `starting attempt 2/5`. */
export function retryStartLine(policy: RetryPolicy, attempt: number): string {
  return `starting attempt ${attempt + 1}/${policy.attempts}`;
}

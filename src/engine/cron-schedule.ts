import { Cron } from 'croner';
import { describeValue, RnrError } from '../errors.js';

/** The fields of a cron expression rnr takes, in order. */
export const CRON_FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

/** The shorthands that stand for a 5-field expression (`@daily` = `0 0 * * *`). */
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

const FORMAT = `5 fields: ${CRON_FIELDS.join(' ')} (or @hourly, @daily, @weekly, @monthly, @yearly)`;

/** A reference point for "does it ever fire": any 5-field expression that fires does so within 8 years of any date. */
const EVER_FROM = Date.UTC(2000, 0, 1);

/** The time zone a schedule without one runs in. */
export const DEFAULT_TIMEZONE = 'UTC';

/**
 * A parsed schedule time table: the next fire time after a given instant, in its time zone
 * (daylight-saving gaps and repeats as croner handles them: a fixed time in a gap fires at the
 * first minute after it, a repeated fixed time fires once).
 */
export interface CronTable {
  readonly cron: string;
  readonly timezone: string;
  /** The first fire time strictly after `afterMs` (ms since the epoch), or undefined when none. */
  next(afterMs: number): number | undefined;
  /** The last fire time at or before `ms`, or undefined when none. */
  previous(ms: number): number | undefined;
}

function refuse(where: string, message: string): never {
  throw new RnrError('RNR_ERR_INVALID_OPTION', `${where}: ${message}`);
}

function make(cron: string, timezone: string): Cron {
  return new Cron(cron, { timezone, mode: '5-part', paused: true });
}

/** Croner's message without its class prefix, first letter lowered (it is spliced into ours). */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const bare = text.replace(/^Cron\w*:\s*/, '').replace(/\.$/, '');
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}

/** Which field of a failing expression croner refuses: each one alone, the others `*`. */
function badField(fields: readonly string[]): string | undefined {
  for (let i = 0; i < fields.length; i++) {
    const probe = CRON_FIELDS.map((_, k) => (k === i ? fields[i] : '*')).join(' ');
    try {
      make(probe, DEFAULT_TIMEZONE);
    } catch {
      return `${CRON_FIELDS[i]} field ${JSON.stringify(fields[i])}`;
    }
  }
  return undefined;
}

/**
 * Checks an IANA time zone name (`Europe/Paris`, `UTC`) against the runtime's time zone data;
 * throws `RNR_ERR_INVALID_OPTION` at `where` for one it does not know.
 */
export function checkTimezone(where: string, timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone.trim() === '')
    refuse(
      where,
      `got ${describeValue(timezone, 80)}, expected an IANA time zone name such as "Europe/Paris"`,
    );
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    make('0 0 * * *', timezone).nextRun(new Date(EVER_FROM));
  } catch {
    refuse(
      where,
      `unknown time zone ${JSON.stringify(timezone)}: expected an IANA time zone name such as "UTC", "Europe/Paris" or "America/New_York"`,
    );
  }
  return timezone;
}

/**
 * Parses a 5-field cron expression in a time zone (croner does the parsing) and returns its time
 * table. Throws `RNR_ERR_INVALID_OPTION` at `where` naming the expression and, where it can, the
 * bad field: a seconds (6-field) or year (7-field) expression, a value out of range, bad syntax, or
 * an expression that never fires (`0 0 31 2 *`).
 *
 * @example
 * const nightly = cronTable('schedules[0].cron', '0 2 * * *', 'Europe/Paris');
 * nightly.next(Date.now()); // the next 02:00 in Paris, as ms since the epoch
 */
export function cronTable(where: string, cron: unknown, timezone = DEFAULT_TIMEZONE): CronTable {
  if (typeof cron !== 'string' || cron.trim() === '')
    refuse(where, `got ${describeValue(cron, 80)}, expected a cron expression of ${FORMAT}`);
  const at = `${where} ${JSON.stringify(cron)}`;
  const text = cron.trim();
  const fields = text.split(/\s+/);
  if (text.startsWith('@')) {
    if (!NICKNAMES.has(text.toLowerCase())) refuse(at, `unknown shorthand; expected ${FORMAT}`);
  } else if (fields.length === 6 || fields.length === 7) {
    refuse(
      at,
      `has ${fields.length} fields; rnr takes ${FORMAT}: no seconds${fields.length === 7 ? ' and no year' : ''} field`,
    );
  } else if (fields.length !== 5) {
    refuse(at, `has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected ${FORMAT}`);
  }
  let table: Cron;
  try {
    table = make(text, timezone);
  } catch (err) {
    const field = fields.length === 5 ? badField(fields) : undefined;
    refuse(at, field ? `${field}: ${reason(err)}` : `${reason(err)}; expected ${FORMAT}`);
  }
  if (!table.nextRun(new Date(EVER_FROM))) refuse(at, 'never fires (no date matches it)');
  return {
    cron,
    timezone,
    next(afterMs) {
      // croner answers the first time after the given instant at minute precision (seconds 0).
      const next = table.nextRun(new Date(afterMs));
      return next ? next.getTime() : undefined;
    },
    previous(ms) {
      // croner counts a time earlier in the reference's own second as before it: +1 ms makes
      // "at or before" of "before".
      return table.previousRuns(1, new Date(ms + 1))[0]?.getTime();
    },
  };
}

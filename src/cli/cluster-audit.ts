import { describeError } from '../index.js';
import type { AuditRecord } from '../server/index.js';

/** A shared store's audit table (the PostgreSQL store's `audit`). */
interface AuditTable {
  append(entry: { job: string; record: object }): Promise<void>;
}

/** How often, at most, a failing audit table is told of on stderr. */
const TELL_EVERY_MS = 10_000;

/**
 * The audit sink of a process on a store several processes share: each record also goes to the
 * store's audit table, where the records of every process meet. The answer never waits for it; a
 * record the database did not take is still in the process's own audit file, and the failures are
 * told on stderr at most every 10 s, counted. Undefined for a store without an audit table.
 */
export function sharedAuditSink(
  store: object,
  file: string,
  say: (line: string) => void,
): ((record: AuditRecord) => void) | undefined {
  const table = (store as { audit?: AuditTable }).audit;
  if (!table || typeof table.append !== 'function') return undefined;
  let failed = 0;
  let untold = 0;
  let toldAt = Number.NEGATIVE_INFINITY;
  let later: NodeJS.Timeout | undefined;
  let last: unknown;
  const tell = (): void => {
    later = undefined;
    if (untold === 0) return;
    untold = 0;
    toldAt = Date.now();
    say(
      `${failed} audit record(s) not written to the database so far (each is in ${file}): ${describeError(last)}`,
    );
  };
  return (record) => {
    table.append({ job: record.job, record }).catch((err: unknown) => {
      failed++;
      untold++;
      last = err;
      const wait = toldAt + TELL_EVERY_MS - Date.now();
      if (wait <= 0) tell();
      else if (!later) {
        // The failures of this window are told at its end, even if none follows.
        later = setTimeout(tell, wait);
        later.unref();
      }
    });
  };
}

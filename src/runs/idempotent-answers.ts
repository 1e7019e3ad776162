import { isRnrError, RnrError } from '../index.js';

/** Keys remembered per process (the oldest are forgotten first). */
const MAX_KEYS = 10_000;

interface Remembered {
  /** What the key was first used for: a reuse for another action is refused. */
  action: string;
  answer: Promise<unknown>;
}

/**
 * Idempotency keys of operator actions on a store of one process (memory, SQLite), in memory: a
 * resend with the same key for the same run gets the first request's answer (the same task, or
 * the same error) and the action is applied once. On a store several processes share, the
 * commands table keeps the keys instead (durably, across processes).
 */
export class IdempotentAnswers {
  private readonly byKey = new Map<string, Remembered>();

  /**
   * Answers `act()` once per (run, key): later calls with the key get the same answer, with
   * `replayed` true. A key reused for another action is refused with `RNR_ERR_CONFLICT`.
   */
  async once<T>(
    runId: string,
    key: string | undefined,
    action: string,
    act: () => Promise<T>,
  ): Promise<{ value: T; replayed: boolean }> {
    if (key === undefined) return { value: await act(), replayed: false };
    const id = `${runId}\n${key}`;
    const known = this.byKey.get(id);
    if (known) {
      if (known.action !== action) {
        throw new RnrError(
          'RNR_ERR_CONFLICT',
          `Idempotency-Key ${JSON.stringify(key)} was used for another action on job ${JSON.stringify(runId)}; use a new key for a new action`,
        );
      }
      return { value: (await known.answer) as T, replayed: true };
    }
    const answer = act();
    const remembered = { action, answer };
    this.byKey.set(id, remembered);
    // A failure that is not the action's own answer (the store was down) is not kept: a resend tries again.
    answer.catch((err: unknown) => {
      if ((!isRnrError(err) || err.status >= 500) && this.byKey.get(id) === remembered) this.byKey.delete(id);
    });
    if (this.byKey.size > MAX_KEYS) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    return { value: await answer, replayed: false };
  }
}

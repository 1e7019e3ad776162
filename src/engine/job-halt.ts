import { describeError, isRnrError, RnrError } from '../errors.js';
import type { Clock } from './clock.js';
import type { JobHalt } from './messages.js';
import type { Store, StoredRun } from './store.js';

/** The first wait before a halted job tries its store again; it doubles per failed try. */
export const FIRST_RETRY_MS = 1000;
/** The longest wait between tries. */
export const MAX_RETRY_MS = 30_000;
/**
 * A job that halts again within this long of recovering goes on with the backoff where it was:
 * a store that takes a small commit now and then (a disk with a few bytes left) is tried less and
 * less often, not every second.
 */
export const STEADY_MS = 60_000;

/** What the halt controller needs of its job. */
export interface HaltHost {
  readonly id: string;
  readonly clock: Clock;
  readonly store: Store;
  /** The seq the job knows to be durable. */
  durableSeq(): number;
  /** Throws the job's state away and rebuilds it from what is durable (`stored`: read from the store). */
  rollBack(stored?: StoredRun): void;
  /** Recovered: records the halt on the event log and commits it; rejects when the store still fails. */
  recover(halt: JobHalt): Promise<void>;
  /** Logs a line about the job. */
  log(line: string): void;
  closed(): boolean;
}

/**
 * Halting and recovering (docs/durability.md, "When a commit fails"). A failed commit halts the
 * job: its state goes back to what is durable, nothing ticks, polls or is accepted until a commit
 * succeeds again, tried on the job's clock after 1 s, 2 s, 4 s … (at most 30 s apart; a job that
 * halts again within a minute of recovering goes on from the wait it had). Each try
 * first asks the store whether the failed batch landed after all (a connection lost during COMMIT
 * leaves that unknown) and reloads the run when it did; then it commits a SYSTEM event saying how
 * long the job was halted, and the job carries on. A lost lease (`RNR_ERR_LEASE_LOST`) is final.
 */
export class HaltControl {
  private halt: JobHalt | undefined;
  private tries = 0;
  private timer: unknown;
  private recoveredAt: number | undefined;

  constructor(private readonly host: HaltHost) {}

  /** The halt, while halted. */
  get current(): JobHalt | undefined {
    return this.halt;
  }

  /** The error an operator action gets while the job is halted. */
  refusal(): RnrError {
    const halt = this.halt as JobHalt;
    const code = halt.code === 'RNR_ERR_LEASE_LOST' ? 'RNR_ERR_LEASE_LOST' : 'RNR_ERR_STORE_IO';
    const retry =
      halt.retryAt === undefined
        ? ''
        : `; it retries by itself (next try at ${new Date(halt.retryAt).toISOString()})`;
    return new RnrError(
      code,
      `job ${JSON.stringify(this.host.id)} is halted since ${new Date(halt.since).toISOString()}: ${halt.message}; the action was not applied${retry}`,
    );
  }

  /**
   * A commit failed (or, `rollBack` false, a try could not reach the store): halt, roll the state
   * back to what is durable, and plan the next try.
   */
  failed(err: unknown, rollBack = true): void {
    const code = isRnrError(err) ? err.code : 'RNR_ERR_STORE_IO';
    const message = describeError(err);
    const now = this.host.clock.now();
    if (!this.halt && (this.recoveredAt === undefined || now - this.recoveredAt >= STEADY_MS)) this.tries = 0;
    const since = this.halt?.since ?? now;
    this.halt = { code, message, since };
    if (rollBack) this.host.rollBack();
    if (this.host.closed()) return;
    if (code === 'RNR_ERR_LEASE_LOST') {
      this.host.log(`lost its run to another process, stopped: ${message}`);
      return;
    }
    const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.tries++);
    this.halt.retryAt = this.host.clock.now() + wait;
    if (this.tries === 1) this.host.log(`halted: a commit failed (${message}); retrying in ${wait} ms`);
    this.timer = this.host.clock.setTimeout(() => void this.retry(), wait);
  }

  /** Stops trying (the job closes). */
  cancel(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async retry(): Promise<void> {
    this.timer = undefined;
    const halt = this.halt;
    if (!halt || this.host.closed()) return;
    try {
      const landed = await this.host.store.events(this.host.id, this.host.durableSeq(), 1);
      if (landed.length > 0) {
        const stored = await this.host.store.loadRun(this.host.id);
        if (!stored)
          throw new RnrError(
            'RNR_ERR_JOB_NOT_FOUND',
            `job ${JSON.stringify(this.host.id)} is gone from its store`,
          );
        this.host.rollBack(stored);
      }
    } catch (err) {
      this.failed(err, false);
      return;
    }
    if (this.host.closed() || this.halt !== halt) return;
    try {
      await this.host.recover(halt);
    } catch {
      // The pipeline reported the failure (failed() ran): the next try is planned.
      return;
    }
    this.halt = undefined;
    this.recoveredAt = this.host.clock.now();
    const seconds = ((this.host.clock.now() - halt.since) / 1000).toFixed(1);
    this.host.log(`resumed: its store accepts commits again (halted for ${seconds} s)`);
  }
}

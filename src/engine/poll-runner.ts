import type { TaskMachineEvent } from '../../machines/task.machine.js';
import { describeError, RnrError } from '../errors.js';
import type { Clock } from './clock.js';
import { capMessage, ERROR_TEXT_CHARS } from './message-cap.js';
import { normalizePollResult } from './poll-result.js';
import { backoffDelay, waitText } from './retry-policy.js';
import { randomOf } from './retry-waits.js';
import type { InflightPoll, TaskNode } from './task-node.js';
import { stateName, TaskState } from './task-state.js';
import { adopt, type ThenFn, thenOf } from './thenable.js';
import {
  type Approval,
  type CallbackTaskSpec,
  EventCause,
  type PollContext,
  type PollObservation,
  TaskKind,
} from './types.js';

/** What the poll runner needs of its job. */
export interface PollHost {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  /**
   * False while the job must not act on its run (its process is past its lease renewal deadline,
   * see docs/cluster.md): no poll starts; the task stays RUNNING and a later tick polls it.
   */
  mayPoll(): boolean;
  /** Logs an error of the engine's own (never thrown into the tick or the clock). */
  internalError(where: string, err: unknown): void;
}

/** How the poll runner changes tasks: through the transition core (task-transitions.ts). */
export interface PollChanges {
  apply(node: TaskNode, event: TaskMachineEvent, cause: EventCause): boolean;
  setMessage(node: TaskNode, message: string, cause: EventCause): void;
  /** Commits soon: an async result or a `ctx.log` line between ticks. */
  queueCommit(): void;
}

const noop = () => {};

/** A job's polls across its states (a rollback replaces the runner, not these). */
export interface PollsShared {
  /** The user's poll promises still running (aborted or not), for `drain()` to wait on. */
  readonly running: Set<Promise<void>>;
  /** Observers of finished polls (metrics: `Job.observePolls`). */
  readonly observers: Set<(poll: PollObservation) => void>;
}

/** A `ctx.log` line as text; whatever it is, reading it never throws into the poll. */
function lineText(line: unknown): string {
  if (typeof line === 'string') return line;
  try {
    return String(line);
  } catch (err) {
    return `ctx.log got a line that cannot be read as text: ${describeError(err, 200)}`;
  }
}

/** The `ctx` of one poll. The AbortSignal is made only if the poll asks for it. */
class PollCtx implements PollContext {
  readonly task: PollContext['task'];
  readonly job: PollContext['job'];
  readonly approval: Approval | undefined;

  constructor(
    host: PollHost,
    private readonly changes: PollChanges,
    private readonly node: TaskNode,
    private readonly token: InflightPoll,
  ) {
    this.task = {
      id: node.id,
      name: node.name,
      state: node.state,
      message: node.message,
      attempt: node.attempt,
    };
    this.job = { id: host.id, name: host.name };
    this.approval = node.approval;
  }

  get signal(): AbortSignal {
    this.token.controller ??= new AbortController();
    return this.token.controller.signal;
  }

  log(line: string): void {
    // A late log from a poll that an operator overrode is ignored, like its result.
    if (this.node.inflight !== this.token && this.node.inflight !== undefined) return;
    this.changes.setMessage(this.node, capMessage(lineText(line)), EventCause.POLL);
    this.changes.queueCommit();
  }
}

/**
 * Runs polls: calls a task's poll once, applies what it returns, and keeps at most one poll in
 * flight per task. A poll that throws, rejects, times out or returns garbage is a poll error;
 * nothing a poll does can crash the engine.
 */
export class PollRunner {
  constructor(
    private readonly host: PollHost,
    private readonly changes: PollChanges,
    /** What outlives a rollback of the job's state: the polls still running and the observers. */
    private readonly shared: PollsShared,
  ) {}

  private get running(): Set<Promise<void>> {
    return this.shared.running;
  }

  private get observers(): Set<(poll: PollObservation) => void> {
    return this.shared.observers;
  }

  /** Polls `node`; returns a promise when the poll is async (settles on result, timeout or abort). */
  poll(node: TaskNode): Promise<void> | undefined {
    if (!this.host.mayPoll()) return undefined;
    if (node.spec.kind === TaskKind.MACHINE) {
      node.machine?.poll();
      return undefined;
    }
    const spec = node.spec as CallbackTaskSpec;
    const token: InflightPoll = { controller: undefined, timer: undefined, settle: noop };
    const started = performance.now();
    const line = node.message;
    let result: unknown;
    let then: ThenFn | undefined;
    try {
      result = spec.poll(new PollCtx(this.host, this.changes, node, token));
      // Reading `then` runs the user's getter or Proxy trap: what it throws is this poll's error.
      then = thenOf(result);
    } catch (err) {
      this.error(node, spec, err);
      this.observePoll(node, performance.now() - started, true);
      return undefined;
    }
    if (!then) {
      const ok = this.result(node, spec, result, line);
      this.observePoll(node, performance.now() - started, !ok);
      return undefined;
    }
    node.inflight = token;
    const wait = new Promise<void>((resolve) => {
      token.settle = () => {
        token.settle = noop;
        if (token.timer !== undefined) this.host.clock.clearTimeout(token.timer);
        resolve();
      };
    });
    // The timeout runs before the thenable's `then` is called, so it covers one that never calls back.
    if (spec.pollTimeoutMs !== undefined) {
      const ms = spec.pollTimeoutMs;
      token.timer = this.host.clock.setTimeout(() => {
        token.timer = undefined;
        if (node.inflight !== token) return;
        this.settle(token, () => {
          this.abort(node, `poll timed out after ${ms} ms`);
          this.error(node, spec, new RnrError('RNR_ERR_POLL_TIMEOUT', `poll timed out after ${ms} ms`));
          this.observePoll(node, performance.now() - started, true);
        });
      }, ms);
    }
    const finished: Promise<void> = adopt(result, then).then(
      (value) => {
        this.running.delete(finished);
        if (node.inflight !== token) return;
        node.inflight = undefined;
        this.settle(token, () => {
          const ok = this.result(node, spec, value, line);
          this.observePoll(node, performance.now() - started, !ok);
        });
      },
      (err: unknown) => {
        this.running.delete(finished);
        if (node.inflight !== token) return;
        node.inflight = undefined;
        this.settle(token, () => {
          this.error(node, spec, err);
          this.observePoll(node, performance.now() - started, true);
        });
      },
    );
    this.running.add(finished);
    return wait;
  }

  /** Applies a settled async poll, commits soon and releases the tick's wait, whatever `apply` throws. */
  private settle(token: InflightPoll, apply: () => void): void {
    try {
      apply();
      this.changes.queueCommit();
    } catch (err) {
      this.host.internalError('poll result', err);
    } finally {
      token.settle();
    }
  }

  /** Reports a finished poll to the observers; an observer that throws is logged, not rethrown. */
  private observePoll(node: TaskNode, durationMs: number, error: boolean): void {
    if (this.observers.size === 0) return;
    const poll: PollObservation = { jobId: this.host.id, taskId: node.id, durationMs, error };
    for (const observer of this.observers) {
      try {
        observer(poll);
      } catch (err) {
        this.host.internalError('poll observer', err);
      }
    }
  }

  /** Discards the poll in flight on `node` (its result will be ignored) and aborts its signal. */
  abort(node: TaskNode, reason: string): void {
    const token = node.inflight;
    if (!token) return;
    node.inflight = undefined;
    if (token.controller) {
      const abortError = new Error(reason);
      abortError.name = 'AbortError';
      token.controller.abort(abortError);
    }
    token.settle();
  }

  /**
   * Applies a poll's result. `line` is the status line the task had when the poll began: a poll
   * that ends the task SUCCESS without a line of its own (neither a `message` nor a `ctx.log`)
   * clears it, so a finished task does not show a stale progress line ("patching: 75%").
   */
  private result(node: TaskNode, spec: CallbackTaskSpec, value: unknown, line: string): boolean {
    let normalized: ReturnType<typeof normalizePollResult>;
    try {
      normalized = normalizePollResult(value);
    } catch (err) {
      this.error(node, spec, err);
      return false;
    }
    node.pollErrors = 0;
    const { state, message } = normalized;
    if (state !== undefined && state !== node.state) {
      if (message !== undefined) node.message = message;
      else if (state === TaskState.SUCCESS && node.message === line) node.message = '';
      if (this.changes.apply(node, { type: 'result', state: stateName(state) }, EventCause.POLL)) return true;
    }
    if (message !== undefined) this.changes.setMessage(node, message, EventCause.POLL);
    return true;
  }

  private error(node: TaskNode, spec: CallbackTaskSpec, err: unknown): void {
    node.pollErrors += 1;
    const text = describeError(err, ERROR_TEXT_CHARS);
    if (node.pollErrors > spec.retries) {
      node.message = spec.retries > 0 ? `${text} (after ${node.pollErrors} consecutive poll errors)` : text;
      this.changes.apply(node, { type: 'result', state: 'FAILED' }, EventCause.POLL);
      return;
    }
    // With a backoff, a tolerated error waits like a retry would before the next poll.
    const delay = spec.retry ? backoffDelay(spec.retry, node.pollErrors, randomOf(this.host.clock)) : 0;
    node.pollAt = delay > 0 ? this.host.clock.now() + delay : 0;
    const next = delay > 0 ? ` (next poll ${waitText(delay)})` : '';
    this.changes.setMessage(
      node,
      `poll error ${node.pollErrors}/${spec.retries}${next}: ${text}`,
      EventCause.POLL,
    );
  }
}

import {
  type CommandRecord,
  type CommandRequest,
  describeError,
  isDone,
  isRnrError,
  type Job,
  RnrError,
  type StoreCommands,
  type StoreFeed,
} from '../index.js';
import { applyRunCommand } from './run-commands.js';
import type { RunCommand } from './types.js';

/** How long a process waits for the owner to apply a command before answering pending (ms). */
export const DEFAULT_COMMAND_WAIT_MS = 5_000;
/** A waiter reads its command again at least this often, notices or not (ms). */
const WAITER_POLL_MS = 1_000;

/** What {@link RemoteCommands} needs of its run host. */
export interface RemoteCommandsHost {
  /** The run's Job when it lives (loaded) in this process. */
  live(runId: string): Job | undefined;
  /** Whether this process hosts the workflow (it may then load a run of it nobody owns). */
  hosts(workflow: string): boolean;
  /** Loads a stored run of a hosted workflow here (claiming it); rejects when it cannot. */
  loadHere(runId: string): Promise<Job>;
  /** After an action on a live job: unload it if it ended, start it again if it reopened. */
  settle(job: Job, wasDone: boolean): void;
  log(line: string): void;
}

/** Errors that are the owner's answer to the action itself, recorded on the command as its refusal. */
function isRefusal(err: unknown): err is RnrError {
  return (
    isRnrError(err) &&
    err.status < 500 &&
    err.code !== 'RNR_ERR_JOB_CLOSED' &&
    err.code !== 'RNR_ERR_JOB_LOCKED' &&
    err.code !== 'RNR_ERR_LEASE_LOST'
  );
}

/** A stored command as the host's operator command. */
function runCommandOf(command: CommandRecord): RunCommand {
  return {
    op: command.op === 'cancel' ? 'retry' : command.op,
    task: command.task,
    actor: command.actor,
    ...(command.state !== undefined && { state: command.state }),
    ...(command.parallelism !== undefined && { parallelism: command.parallelism }),
    ...(command.message !== undefined && { message: command.message }),
    ...(command.reason !== undefined && { reason: command.reason }),
  };
}

/**
 * Durable operator commands on a store several processes share (docs/cluster.md, "One API over
 * all"). Any process records an action for a run that does not live in it (`submit`) before it
 * answers anything, then waits — on the store's notices, with a slow re-read as a backstop — for
 * the owner to settle it, up to `waitMs`; past that the answer is pending. The owner drains a
 * run's pending commands in order, one at a time: when told one was recorded, when the run comes
 * to live here (a takeover, a load), and on the host's backstop poll. Each is applied through the
 * engine like a direct action, attached to the commit of the batch it recorded, so that the mark
 * "applied" and the change land in one fenced write: a command is applied once, across owners.
 */
export class RemoteCommands {
  /** Per run: the drain in progress (and at most one queued behind it). */
  private readonly draining = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();
  /** Per command id: the waiters to wake when it may have settled. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Commands settled with nobody waiting yet (a waiter about to nap must not sleep through it). */
  private readonly settledEarly = new Set<string>();
  /** Commands this process applied (a guard: never applied twice here, whatever the store says). */
  private readonly appliedHere = new Set<string>();
  private readonly unwatch: () => void;
  private closed = false;

  constructor(
    private readonly commands: StoreCommands,
    feed: StoreFeed | undefined,
    private readonly host: RemoteCommandsHost,
    private readonly waitMs: number = DEFAULT_COMMAND_WAIT_MS,
  ) {
    this.unwatch =
      feed?.watch({
        notice: (notice) => {
          if (notice.kind === 'submitted' && this.host.live(notice.runId)) void this.drain(notice.runId);
          else if (notice.kind === 'settled') this.wake(notice.command);
        },
        connected: () => {
          // Notices may have been missed while disconnected: look again.
          for (const id of [...this.waiters.keys()]) this.wake(id);
          void this.poll().catch(() => undefined);
        },
      }) ?? (() => {});
  }

  /**
   * Records the action and answers it once settled (the settled command), or pending once
   * `waitMs` passed. A run nobody owns is loaded here first when this process hosts its workflow.
   */
  async submit(request: CommandRequest): Promise<{ command: CommandRecord; created: boolean }> {
    const { command: recorded, created, run } = await this.commands.submit(request);
    return { command: await this.settled(recorded, run), created };
  }

  private async settled(
    command: CommandRecord,
    run: { owner?: string; done: boolean; workflow: string },
  ): Promise<CommandRecord> {
    const request = command;
    if (command.status !== 'pending') return command;
    const deadline = Date.now() + this.waitMs;
    if (this.host.live(request.runId)) void this.drain(request.runId);
    else if (run.owner === undefined) {
      const answered = await this.unowned(command, run.workflow, run.done);
      if (answered) return answered;
    }
    return this.wait(command, deadline);
  }

  /** Resolves once no drain of the run is in progress (a direct action waits for earlier commands). */
  async idle(runId: string): Promise<void> {
    for (let d = this.draining.get(runId); d; d = this.draining.get(runId)) await d;
  }

  /** A run came to live here: its pending commands first. */
  added(job: Job): void {
    void this.drain(job.id);
  }

  /** The backstop: drains the live runs that have pending commands. */
  async poll(): Promise<void> {
    const ids: string[] = [];
    for (const id of this.liveIds()) ids.push(id);
    if (ids.length === 0) return;
    for (const runId of await this.commands.waiting(ids)) void this.drain(runId);
  }

  /** Live run ids, given by the host's poll. */
  liveIds: () => Iterable<string> = () => [];

  close(): void {
    this.closed = true;
    this.unwatch();
    for (const id of [...this.waiters.keys()]) this.wake(id);
  }

  /** Drains a run's pending commands, after the drain in progress (once queued, not more). */
  drain(runId: string): Promise<void> {
    if (this.queued.has(runId)) return this.draining.get(runId) ?? Promise.resolve();
    const before = this.draining.get(runId) ?? Promise.resolve();
    this.queued.add(runId);
    const next: Promise<void> = before
      .then(() => {
        this.queued.delete(runId);
        return this.drainNow(runId);
      })
      .catch((err: unknown) => this.host.log(`run ${runId}: applying commands: ${describeError(err)}`))
      .finally(() => {
        if (this.draining.get(runId) === next) this.draining.delete(runId);
      });
    this.draining.set(runId, next);
    return next;
  }

  private async drainNow(runId: string): Promise<void> {
    const job = this.host.live(runId);
    if (!job || this.closed) return;
    await job.load();
    for (const command of await this.commands.pending(runId)) {
      if (this.closed || this.host.live(runId) !== job) return;
      if (this.appliedHere.has(command.id)) continue;
      if (!(await this.applyOne(job, command))) return;
    }
  }

  /**
   * Applies one command to the live job; false when the run cannot go on here now (the store
   * failed, the run was lost): the command stays pending for the next drain or the next owner.
   */
  private async applyOne(job: Job, command: CommandRecord): Promise<boolean> {
    const wasDone = isDone(job.summary().state);
    const before = job.seq;
    // The action records its first event at before + 1, synchronously: attach the command to the
    // batch that will hold it before the call, and detach at once if it recorded nothing.
    const detach = this.commands.applying(command, before + 1);
    let action: Promise<unknown>;
    try {
      action =
        command.op === 'cancel'
          ? job.cancel({
              actor: command.actor,
              ...(command.reason !== undefined && { reason: command.reason }),
            })
          : applyRunCommand(job, runCommandOf(command));
    } catch (err) {
      detach();
      return this.failed(command, err);
    }
    if (job.seq === before) detach();
    try {
      await action;
    } catch (err) {
      detach();
      return this.failed(command, err);
    }
    this.appliedHere.add(command.id);
    this.host.settle(job, wasDone);
    this.wake(command.id);
    return true;
  }

  private async failed(command: CommandRecord, err: unknown): Promise<boolean> {
    if (isRefusal(err)) {
      const refused = await this.commands.refuse(command, err.toJSON());
      this.wake(command.id);
      return refused;
    }
    // Did the batch land after all (its answer was lost)? The store says; else it stays pending.
    const now = await this.commands.get(command.id).catch(() => undefined);
    this.wake(command.id);
    return now !== undefined && now.status !== 'pending';
  }

  /** A run nobody owns: load it here (then the drain applies the command), or answer for it. */
  private async unowned(
    command: CommandRecord,
    workflow: string,
    done: boolean,
  ): Promise<CommandRecord | undefined> {
    let refusal: RnrError | undefined;
    if (this.host.hosts(workflow)) {
      try {
        await this.host.loadHere(command.runId);
        return undefined;
      } catch (err) {
        if (isRnrError(err, 'RNR_ERR_JOB_LOCKED')) return undefined; // another process has it now
        refusal = isRnrError(err) ? err : new RnrError('RNR_ERR_INTERNAL', describeError(err));
      }
    } else if (done) {
      refusal = new RnrError(
        'RNR_ERR_CONFLICT',
        `run ${command.runId} is a run of workflow ${JSON.stringify(workflow)}, which this process does not host: serve its file (rnr serve) to act on it`,
      );
    } else return undefined; // an owner with the workflow will take it
    if (!(await this.commands.refuse(command, refusal.toJSON()))) return undefined;
    return { ...command, status: 'refused', error: refusal.toJSON() };
  }

  /** Reads the command until it settled or the deadline passed (the pending command then). */
  private async wait(command: CommandRecord, deadline: number): Promise<CommandRecord> {
    let current = command;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return current;
      await this.nap(command.id, Math.min(left, WAITER_POLL_MS));
      current = (await this.commands.get(command.id)) ?? current;
      if (current.status !== 'pending') return current;
    }
  }

  private nap(id: string, ms: number): Promise<void> {
    if (this.settledEarly.delete(id)) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) {
        set = new Set();
        this.waiters.set(id, set);
      }
      const mine = set;
      const done = (): void => {
        clearTimeout(timer);
        mine.delete(done);
        if (mine.size === 0 && this.waiters.get(id) === mine) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      mine.add(done);
    });
  }

  private wake(id: string): void {
    const waiting = this.waiters.get(id);
    if (!waiting) {
      this.settledEarly.add(id);
      if (this.settledEarly.size > 1000)
        this.settledEarly.delete(this.settledEarly.values().next().value as string);
      return;
    }
    for (const done of [...waiting]) done();
  }
}

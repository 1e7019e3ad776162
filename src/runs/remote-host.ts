import {
  type CommandRecord,
  errorCodes,
  type Job,
  type JobSummary,
  RnrError,
  type RnrErrorCode,
  runSummary,
  type Store,
  type Task,
  type TaskEvent,
  type TaskRecord,
  taskTreeFromRecords,
} from '../index.js';
import { IdempotentAnswers } from './idempotent-answers.js';
import type { LiveRuns } from './live-runs.js';
import { DEFAULT_COMMAND_WAIT_MS, RemoteCommands } from './remote-commands.js';
import { RemoteEvents } from './remote-events.js';
import type { CancelOptions, CommandAnswer, PendingCommand, RunCommand, RunHost } from './types.js';

/** The backstop poll of a host on a shared store: pending commands of its runs, streams behind (ms). */
export const BACKSTOP_POLL_MS = 2_000;

/** What the remote part needs of its run host. */
export interface RemoteHostHooks {
  live: LiveRuns;
  /** Whether this process hosts the workflow. */
  hosts(workflow: string): boolean;
  /** Loads a stored run of a hosted workflow here. */
  loadHere(runId: string): Promise<Job>;
  /** The direct action on a run that lives here (or that this process may load). */
  operateHere(runId: string, command: RunCommand): Promise<Task>;
  cancelHere(runId: string, options: CancelOptions): Promise<JobSummary>;
  /** After an action applied from a command: unload a run that ended, restart one that reopened. */
  settle(job: Job, wasDone: boolean): void;
  /** The host's reads, for an applied command whose result was not recorded. */
  reads(): Pick<RunHost, 'task' | 'summary'>;
  log(line: string): void;
  /** How long an action for a run that lives elsewhere waits for its owner (default 5,000 ms). */
  commandWaitMs?: number;
}

/** The answers of the host's `submit` and `submitCancel`, and how it streams a run's events. */
export interface RemoteHostPart {
  submit(runId: string, command: RunCommand): Promise<CommandAnswer<Task>>;
  submitCancel(runId: string, options: CancelOptions): Promise<CommandAnswer<JobSummary>>;
  /** A run's committed events from now on, wherever it lives (undefined: the live job's only). */
  subscribe?(runId: string, listener: (event: TaskEvent) => void): () => void;
  /** A run this process held was released (it ended): commands recorded meanwhile load it again. */
  released(runId: string): void;
  close(): void;
}

/** A task record as the `Task` message (without children), as the engine draws stored runs. */
function toTask(record: TaskRecord): Task {
  const task = taskTreeFromRecords([{ ...record, parentId: '' }]) as Task;
  return { ...task, parentId: record.parentId };
}

function pendingOf(command: CommandRecord): PendingCommand {
  return {
    id: command.id,
    job: command.runId,
    op: command.op,
    task: command.task,
    actor: command.actor,
    ...(command.reason !== undefined && { reason: command.reason }),
    ...(command.idempotencyKey !== undefined && { idempotencyKey: command.idempotencyKey }),
    createdAt: command.createdAt,
  };
}

/** The applied value of an answer; a pending one rejects `RNR_ERR_COMMAND_PENDING`. */
export function applied<T>(answer: CommandAnswer<T>): T {
  if ('applied' in answer) return answer.applied;
  const c = answer.pending;
  throw new RnrError(
    'RNR_ERR_COMMAND_PENDING',
    `run ${c.job}: ${c.op} recorded as command ${c.id}; no owner applied it in time: it will be applied once a process owns the run (do not send it again)`,
  );
}

function refusalOf(command: CommandRecord): RnrError {
  const code = command.error?.code ?? 'RNR_ERR_INTERNAL';
  const known = Object.hasOwn(errorCodes, code) ? (code as RnrErrorCode) : 'RNR_ERR_INTERNAL';
  return new RnrError(known, command.error?.message ?? `command ${command.id} was refused`);
}

/**
 * The run host's part for runs that do not live in this process. On a store several processes
 * share (one with `commands` and `feed`: PostgreSQL), an action for such a run becomes a durable
 * command (remote-commands.ts), and a run's events stream from the store wherever it lives
 * (remote-events.ts), with one backstop poll for both. On a store of one process, every run lives
 * here or is loaded to act on it: actions go straight to the job, and an idempotency key is kept
 * in memory.
 */
export function remoteHostPart(store: Store, hooks: RemoteHostHooks): RemoteHostPart {
  const { commands, feed } = store;
  if (!commands) {
    const answers = new IdempotentAnswers();
    return {
      async submit(runId, command) {
        const action = JSON.stringify([command.op, command.task, command.state, command.parallelism]);
        const { value, replayed } = await answers.once(runId, command.idempotencyKey, action, () =>
          hooks.operateHere(runId, command),
        );
        return { applied: value, replayed };
      },
      async submitCancel(runId, cancel) {
        const { value, replayed } = await answers.once(runId, cancel.idempotencyKey, 'cancel', () =>
          hooks.cancelHere(runId, cancel),
        );
        return { applied: value, replayed };
      },
      released: () => {},
      close: () => {},
    };
  }
  const remote = new RemoteCommands(
    commands,
    feed,
    {
      live: (runId) => hooks.live.get(runId),
      hosts: hooks.hosts,
      loadHere: hooks.loadHere,
      settle: hooks.settle,
      log: hooks.log,
    },
    hooks.commandWaitMs ?? DEFAULT_COMMAND_WAIT_MS,
  );
  remote.liveIds = () => hooks.live.list().map((job) => job.id);
  const unwatch = hooks.live.watch({ added: (job) => remote.added(job), removed: () => {} });
  const events = feed
    ? new RemoteEvents(store, feed, hooks.live, (runId, err) =>
        hooks.log(`run ${runId}: reading events for a stream: ${String(err)}`),
      )
    : undefined;
  const timer = setInterval(() => {
    remote.poll().catch(() => undefined);
    events?.poll().catch(() => undefined);
  }, BACKSTOP_POLL_MS);
  timer.unref();

  /** Records the command (a run that lives elsewhere, or a keyed action) and reads its answer. */
  async function viaCommand(runId: string, command: RunCommand | (CancelOptions & { op: 'cancel' })) {
    const { command: settled, created } = await remote.submit({
      runId,
      op: command.op,
      task: command.op === 'cancel' ? '' : command.task,
      actor: command.actor || 'anonymous',
      ...(command.op !== 'cancel' && command.state !== undefined && { state: command.state }),
      ...(command.op !== 'cancel' &&
        command.parallelism !== undefined && { parallelism: command.parallelism }),
      ...(command.op !== 'cancel' && command.message !== undefined && { message: command.message }),
      ...(command.reason !== undefined && { reason: command.reason }),
      ...(command.idempotencyKey !== undefined && { idempotencyKey: command.idempotencyKey }),
    });
    if (settled.status === 'refused') throw refusalOf(settled);
    return { settled, replayed: !created };
  }

  return {
    async submit(runId, command) {
      if (hooks.live.get(runId) && command.idempotencyKey === undefined) {
        await remote.idle(runId);
        return { applied: await hooks.operateHere(runId, command), replayed: false };
      }
      const { settled, replayed } = await viaCommand(runId, command);
      if (settled.status === 'pending') return { pending: pendingOf(settled) };
      const record = settled.result?.task;
      return {
        applied: record ? toTask(record) : await hooks.reads().task(runId, command.task, 0),
        replayed,
      };
    },
    async submitCancel(runId, cancel) {
      if (hooks.live.get(runId) && cancel.idempotencyKey === undefined) {
        await remote.idle(runId);
        return { applied: await hooks.cancelHere(runId, cancel), replayed: false };
      }
      const { settled, replayed } = await viaCommand(runId, {
        ...cancel,
        op: 'cancel',
        actor: cancel.actor ?? 'anonymous',
      });
      if (settled.status === 'pending') return { pending: pendingOf(settled) };
      const run = settled.result?.run;
      return { applied: run ? runSummary(run) : await hooks.reads().summary(runId), replayed };
    },
    ...(events && { subscribe: (runId, listener) => events.subscribe(runId, listener) }),
    released(runId) {
      // A command recorded while the run ended here found it owned, and waits: nobody else loads it.
      commands
        .waiting([runId])
        .then((waiting) => (waiting.length > 0 && !hooks.live.get(runId) ? hooks.loadHere(runId) : undefined))
        .catch((err: unknown) =>
          hooks.log(`run ${runId}: loading it again for its commands: ${String(err)}`),
        );
    },
    close() {
      clearInterval(timer);
      unwatch();
      remote.close();
      events?.close();
    },
  };
}

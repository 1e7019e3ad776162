import { type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import { describeError, RnrError } from '../errors.js';
import { checkRetry, type RetryOptions } from './retry-policy.js';
import { brand, checkBase } from './specs.js';
import { type MachineTaskSpec, TaskKind } from './types.js';

/** Options of {@link machineTask}. */
export interface MachineTaskOptions {
  id?: string;
  name: string;
  /** The user's XState v5 machine (`setup(...).createMachine(...)`). */
  machine: AnyStateMachine;
  /** The machine's input. */
  input?: unknown;
  /** Automatic retries of a machine that ended in error: a fresh actor, attempt + 1. Default: none. */
  retry?: RetryOptions;
  labels?: Record<string, string>;
}

function isMachine(value: unknown): value is AnyStateMachine {
  const m = value as Partial<AnyStateMachine> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.getInitialSnapshot === 'function' &&
    typeof m.transition === 'function' &&
    typeof m.getPersistedSnapshot === 'function' &&
    typeof m.root === 'object'
  );
}

/**
 * A task whose logic is the user's own XState machine. When the task starts, an actor of `machine`
 * is created with `input`; each poll sends it `{ type: 'rnr.poll' }` and an approval
 * `{ type: 'rnr.approve', by, reason }`. The task's state follows the actor's snapshot: done →
 * SUCCESS (or the state named by an output `{ state }`), error → FAILED, a state node tagged
 * `'action-pending'` → ACTION_PENDING, otherwise RUNNING; the message is the `meta.message` of the
 * deepest active state node that has one.
 *
 * @example
 * const drain = setup({}).createMachine({
 *   initial: 'cordon',
 *   states: {
 *     cordon: { meta: { message: 'cordoning' }, on: { 'rnr.poll': 'drain' } },
 *     drain: { tags: ['action-pending'], on: { 'rnr.approve': 'done' } },
 *     done: { type: 'final' },
 *   },
 * });
 * machineTask({ name: 'node-1', machine: drain, input: { node: 'node-1' } });
 */
export function machineTask(options: MachineTaskOptions): MachineTaskSpec {
  checkBase('machineTask', options);
  const where = `machineTask({ name: ${JSON.stringify(options.name)} })`;
  if (!isMachine(options.machine)) {
    throw new RnrError(
      'RNR_ERR_INVALID_MACHINE',
      `${where} machine: expected an XState v5 machine made with createMachine or setup().createMachine`,
    );
  }
  const retry = checkRetry(where, options.retry);
  // Create (without starting) an actor to run the context factory with this input now, so an input
  // the machine rejects fails at definition time rather than hours into a run.
  const probe = createActor(options.machine, { input: options.input });
  const snapshot = probe.getSnapshot() as AnyMachineSnapshot;
  if (snapshot.status === 'error') {
    throw new RnrError(
      'RNR_ERR_INVALID_MACHINE',
      `${where} input rejected by machine ${JSON.stringify(options.machine.id)}: ${describeError(snapshot.error)}`,
      {
        cause: snapshot.error,
      },
    );
  }
  const spec = {
    kind: TaskKind.MACHINE,
    name: options.name,
    machine: options.machine,
    input: options.input,
  } as {
    -readonly [K in keyof MachineTaskSpec]: MachineTaskSpec[K];
  };
  if (options.id !== undefined) spec.id = options.id;
  if (retry !== undefined) spec.retry = retry;
  if (options.labels !== undefined) spec.labels = { ...options.labels };
  return brand(spec);
}

export type { MachineHost } from './machine-runner.js';
export { createMachineRunner } from './machine-runner.js';

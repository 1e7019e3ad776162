import { type AnyActor, type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import { describeError, RnrError } from '../errors.js';
import { brand, checkBase } from './specs.js';
import type { MachineRunner, TaskNode } from './task-node.js';
import { isTaskState, parseTaskState, TaskState } from './task-state.js';
import { type MachineStatus, type MachineTaskSpec, TaskKind } from './types.js';

/** Options of {@link machineTask}. */
export interface MachineTaskOptions {
  id?: string;
  name: string;
  /** The user's XState v5 machine (`setup(...).createMachine(...)`). */
  machine: AnyStateMachine;
  /** The machine's input. */
  input?: unknown;
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
  if (options.labels !== undefined) spec.labels = { ...options.labels };
  return brand(spec);
}

/** What a machine runner reports to its job. */
export interface MachineHost {
  jobId: string;
  now(): number;
  apply(node: TaskNode, state: TaskState, message: string | undefined): void;
  persist(node: TaskNode, snapshot: unknown): void;
  error(where: string, err: unknown): void;
}

/** The active state node paths of a state value, outermost first: `{ a: 'b' }` → `['a', 'a.b']`. */
export function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(value)) {
    out.push(prefix + key);
    out.push(...activePaths(sub, `${prefix}${key}.`));
  }
  return out;
}

/** The TaskState and message a machine snapshot stands for (DESIGN §3 machineTask). */
export function deriveState(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
): { state: TaskState; message: string | undefined } {
  let message: string | undefined;
  let depth = -1;
  const meta = snapshot.getMeta() as Record<string, { message?: unknown } | undefined>;
  for (const [id, m] of Object.entries(meta)) {
    if (typeof m?.message !== 'string') continue;
    const d = machine.getStateNodeById(id).path.length;
    if (d > depth) {
      depth = d;
      message = m.message;
    }
  }
  if (snapshot.status === 'done') {
    const output = snapshot.output as { state?: unknown } | undefined;
    const named =
      output && typeof output === 'object' && isTaskState(output.state)
        ? parseTaskState(output.state)
        : TaskState.SUCCESS;
    return { state: named, message };
  }
  if (snapshot.status === 'error') return { state: TaskState.FAILED, message: describeError(snapshot.error) };
  if (snapshot.hasTag('action-pending')) return { state: TaskState.ACTION_PENDING, message };
  return { state: TaskState.RUNNING, message };
}

/** Starts (or restores) the user's actor for a machine task and follows its snapshots. */
export function createMachineRunner(node: TaskNode, persisted: unknown, host: MachineHost): MachineRunner {
  const spec = node.spec as MachineTaskSpec;
  const machine = spec.machine;
  let last: MachineStatus = { machineId: machine.id, value: '""', active: [], status: 'active' };
  let actor: AnyActor;
  const options: Parameters<typeof createActor>[1] = { input: spec.input, id: node.id };
  if (persisted && (persisted as { status?: string }).status === 'active')
    options.snapshot = persisted as never;
  try {
    actor = createActor(machine, options);
  } catch (err) {
    host.error(`machine task ${node.id}`, err);
    actor = createActor(machine, { input: spec.input, id: node.id });
  }
  const onSnapshot = (snapshot: AnyMachineSnapshot) => {
    last = {
      machineId: machine.id,
      value: JSON.stringify(snapshot.value),
      active: activePaths(snapshot.value),
      status: snapshot.status,
    };
    try {
      host.persist(node, actor.getPersistedSnapshot());
    } catch (err) {
      host.error(`persisting machine task ${node.id}`, err);
    }
    const { state, message } = deriveState(machine, snapshot);
    host.apply(node, state, message);
  };
  // An error listener is required: without one XState rethrows the actor's error globally.
  actor.subscribe({ next: onSnapshot, error: () => onSnapshot(actor.getSnapshot()) });
  actor.start();
  const initial = actor.getSnapshot() as AnyMachineSnapshot;
  if (last.status === 'active' && last.value === '""') onSnapshot(initial);
  const send = (event: { type: string; [k: string]: unknown }) => {
    const status = (actor.getSnapshot() as AnyMachineSnapshot).status;
    if (status !== 'active') return;
    try {
      actor.send(event);
    } catch (err) {
      host.error(`machine task ${node.id}`, err);
    }
  };
  return {
    poll: () => send({ type: 'rnr.poll' }),
    approve: (by, reason) => send({ type: 'rnr.approve', by, reason }),
    stop: () => actor.stop(),
    persisted: () => actor.getPersistedSnapshot(),
    status: () => last,
  };
}

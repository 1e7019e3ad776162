/**
 * rnr's vocabulary as it travels: the names of task states, task kinds, event causes and operator
 * actions. The numbers and names come from the engine's enums (numbered as in proto3/rnr.proto;
 * test/engine/task-state.test.ts reads the proto and fails on drift), never retyped here.
 *
 * Browser-safe: the only runtime imports are engine/task-state.ts and engine/messages.ts, which
 * import nothing that touches Node, so the web view's bundle uses this file as the server and the
 * CLI do (the import rules in biome.json keep it that way).
 */
import { EventCause, RunTrigger, TaskKind } from '../engine/messages.js';
import {
  isActive,
  isDone,
  type SchedulingState,
  schedulingState,
  TaskState,
  type TaskStateName,
  taskStateNames,
} from '../engine/task-state.js';

export type { SchedulingState, TaskStateName };
export { EventCause, isActive, isDone, RunTrigger, schedulingState, TaskKind, TaskState };

/** A task kind's name, e.g. `'NESTED'`. */
export type TaskKindName = keyof typeof TaskKind;

/** An event cause's name, e.g. `'OPERATOR'`. */
export type EventCauseName = keyof typeof EventCause;

/** A run trigger's name, e.g. `'API'`. */
export type RunTriggerName = keyof typeof RunTrigger;

/** The names of a TypeScript numeric enum, indexed by number. */
function namesOf<E extends Record<string, string | number>>(values: E): (keyof E & string)[] {
  const names: (keyof E & string)[] = [];
  for (const [name, value] of Object.entries(values)) if (typeof value === 'number') names[value] = name;
  return names;
}

/** The state names, indexed by proto number: `stateNames[3] === 'SUCCESS'`. */
export const stateNames: readonly TaskStateName[] = taskStateNames;

/** The task kind names, indexed by proto number. */
export const kindNames: readonly TaskKindName[] = namesOf(TaskKind);

/** The event cause names, indexed by proto number. */
export const causeNames: readonly EventCauseName[] = namesOf(EventCause);

/** The run trigger names, indexed by proto number. */
export const triggerNames: readonly RunTriggerName[] = namesOf(RunTrigger);

/**
 * The name of an enum value by its number, or the number's digits when it has none (a value from a
 * newer proto): what the JSON encoding writes.
 */
export function nameOf<N extends string>(names: readonly N[], value: number): N {
  return names[value] ?? (String(value) as N);
}

/**
 * A state name from the wire as a {@link TaskState}. An absent or unknown name (a newer server's)
 * reads as UNKNOWN, so a client never breaks on a state it does not know.
 *
 * @example
 * stateOf('ACTION_PENDING'); // TaskState.ACTION_PENDING
 */
export function stateOf(name: string | undefined): TaskState {
  const index = name === undefined ? -1 : (stateNames as readonly string[]).indexOf(name);
  return index < 0 ? TaskState.UNKNOWN : index;
}

/** A kind name from the wire as a {@link TaskKind}; an absent or unknown name reads as CALLBACK (a leaf). */
export function kindOf(name: string | undefined): TaskKind {
  const index = name === undefined ? -1 : (kindNames as readonly string[]).indexOf(name);
  return index < 0 ? TaskKind.CALLBACK : index;
}

/** True for a state name of the DONE group: SUCCESS, FAILED, SKIPPED. */
export function isDoneName(name: string | undefined): boolean {
  return isDone(stateOf(name));
}

/** The operator actions of the control API: the path segment of `POST …/tasks/:task/<op>` and a socket command's `op`. */
export const operatorOps = ['state', 'retry', 'skip', 'approve', 'pause', 'resume', 'parallelism'] as const;

/** One operator action (see {@link operatorOps}). */
export type OperatorOp = (typeof operatorOps)[number];

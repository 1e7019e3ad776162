import { RnrError } from '../errors.js';

/**
 * The state of a task, numbered as in `proto3/rnr.proto` (a test fails if they drift).
 * A numeric enum with reverse names: `TaskState[3] === 'SUCCESS'`.
 */
export enum TaskState {
  UNKNOWN = 0,
  PENDING = 1,
  RUNNING = 2,
  SUCCESS = 3,
  FAILED = 4,
  SKIPPED = 5,
  ACTION_PENDING = 6,
}

/** A state's name, as it travels in the proto3 JSON mapping. */
export type TaskStateName = keyof typeof TaskState;

/** The three groups the scheduler reasons about. */
export type SchedulingState = 'PENDING' | 'RUNNING' | 'DONE';

/** Every TaskState, in proto order. */
export const taskStates: readonly TaskState[] = [0, 1, 2, 3, 4, 5, 6];

/** Every TaskState name, in proto order. */
export const taskStateNames: readonly TaskStateName[] = taskStates.map((s) => TaskState[s] as TaskStateName);

/**
 * The scheduling groups as small integers, for the engine's hot paths: `schedulingGroup(state)`
 * indexes arrays where {@link schedulingState} would compare strings.
 */
export const SchedulingGroup = { PENDING: 0, RUNNING: 1, DONE: 2 } as const;

/** A scheduling group as a small integer (see {@link SchedulingGroup}). */
export type SchedulingGroup = (typeof SchedulingGroup)[keyof typeof SchedulingGroup];

const groupByState: readonly SchedulingGroup[] = [0, 0, 1, 2, 2, 2, 1];
const groupNames: readonly SchedulingState[] = ['PENDING', 'RUNNING', 'DONE'];

/** The scheduling group of a state as a small integer: {@link schedulingState} for the hot paths. */
export function schedulingGroup(state: TaskState): SchedulingGroup {
  return groupByState[state] ?? SchedulingGroup.PENDING;
}

/**
 * The scheduling group of a state: PENDING ← UNKNOWN, PENDING; RUNNING ← RUNNING, ACTION_PENDING;
 * DONE ← SUCCESS, FAILED, SKIPPED. A DONE task is never polled.
 *
 * @example
 * schedulingState(TaskState.ACTION_PENDING); // 'RUNNING'
 */
export function schedulingState(state: TaskState): SchedulingState {
  return groupNames[schedulingGroup(state)] as SchedulingState;
}

/** True for SUCCESS, FAILED and SKIPPED. */
export function isDone(state: TaskState): boolean {
  return state === TaskState.SUCCESS || state === TaskState.FAILED || state === TaskState.SKIPPED;
}

/** True for RUNNING and ACTION_PENDING. */
export function isActive(state: TaskState): boolean {
  return state === TaskState.RUNNING || state === TaskState.ACTION_PENDING;
}

/** True when `value` is a TaskState number or name. */
export function isTaskState(value: unknown): value is TaskState | TaskStateName {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 6;
  return typeof value === 'string' && Object.hasOwn(TaskState, value) && Number.isNaN(Number(value));
}

/**
 * Turns a TaskState number or name into a TaskState, or throws `RNR_ERR_INVALID_STATE` naming the
 * bad value.
 *
 * @example
 * parseTaskState('SKIPPED'); // TaskState.SKIPPED
 */
export function parseTaskState(value: unknown): TaskState {
  if (typeof value === 'number' && isTaskState(value)) return value;
  if (typeof value === 'string' && isTaskState(value)) return TaskState[value];
  throw new RnrError(
    'RNR_ERR_INVALID_STATE',
    `invalid state ${JSON.stringify(value) ?? String(value)}: expected one of ${taskStateNames.join(', ')}`,
  );
}

/** The name of a state, e.g. `'ACTION_PENDING'`. */
export function stateName(state: TaskState): TaskStateName {
  return TaskState[state] as TaskStateName;
}

import { assign, setup, stopChild } from 'xstate';
import { type TaskMachineEvent, type TaskStateKey, taskStateKeys } from './task.machine.js';

/** What a nested task knows of its children: the counters its guards read. */
export interface NestedSchedulingContext {
  parallelism: number;
  failFast: boolean;
  paused: boolean;
  /** Children in scheduling PENDING (paused ones included: a start skips them). */
  pending: number;
  /** Children in scheduling RUNNING. */
  running: number;
  /** Children FAILED. */
  failed: number;
}

/** The context of a nested task's actor. */
export interface NestedMachineContext extends NestedSchedulingContext {
  attempt: number;
  /** True once the children are known (a list, or a children function that has answered). */
  resolved: boolean;
  /** True when the children come from a function: a retry resolves them again. */
  dynamic: boolean;
}

/** The input of a nested task's actor: its definition and, for a task that ran before, its counters. */
export type NestedMachineInput = Partial<Omit<NestedMachineContext, 'parallelism' | 'failFast'>> &
  Pick<NestedMachineContext, 'parallelism' | 'failFast'>;

/** Events of the nested task chart: the task chart's, and what its children and the job tell it. */
export type NestedSchedulingEvent =
  | TaskMachineEvent
  /** A child's state changed by its own poll, an operator or its own children (not by this start). */
  | {
      type: 'child.changed';
      id: string;
      from: TaskStateKey;
      to: TaskStateKey;
      /** The child is neither active nor holding active children: stop its actor. */
      release: boolean;
    }
  /** A child became active other than by this task's start (an operator, a restart): spawn its actor in `state`. */
  | { type: 'child.adopt'; id: string; state: TaskStateKey }
  /** The children function answered: the counters over the children as they now are. */
  | { type: 'children.resolved'; pending: number; running: number; failed: number }
  /** Settle if the children allow, starting nothing (after the task became RUNNING other than by a tick). */
  | { type: 'settle' }
  /** An operator's new parallelism, used from the next tick. */
  | { type: 'parallelism'; parallelism: number };

/** True when the nested task may start its next PENDING child (scheduling rules 2, 3 and 5). */
export function canStartChild(ctx: NestedSchedulingContext): boolean {
  return !ctx.paused && ctx.pending > 0 && ctx.running < ctx.parallelism && !(ctx.failFast && ctx.failed > 0);
}

/**
 * The nested task's aggregate once nothing more will happen on its own: SUCCESS when every child is
 * SUCCESS or SKIPPED (zero children included), FAILED when a child failed and nothing runs (with
 * failFast, pending children are not started), else `undefined` (still running or waiting).
 */
export function settledState(ctx: NestedSchedulingContext): 'SUCCESS' | 'FAILED' | undefined {
  if (ctx.running > 0) return undefined;
  if (ctx.failed > 0 && (ctx.failFast || ctx.pending === 0)) return 'FAILED';
  if (ctx.pending === 0 && ctx.failed === 0) return 'SUCCESS';
  return undefined;
}

/** 0 PENDING (UNKNOWN, PENDING), 1 RUNNING (RUNNING, ACTION_PENDING), 2 DONE. */
const groupOf: Readonly<Record<TaskStateKey, 0 | 1 | 2>> = {
  UNKNOWN: 0,
  PENDING: 0,
  RUNNING: 1,
  ACTION_PENDING: 1,
  SUCCESS: 2,
  FAILED: 2,
  SKIPPED: 2,
};

/** The counters after a child moved from one state to another. */
export function countChild(
  ctx: Pick<NestedSchedulingContext, 'pending' | 'running' | 'failed'>,
  from: TaskStateKey,
  to: TaskStateKey,
): Pick<NestedSchedulingContext, 'pending' | 'running' | 'failed'> {
  const counts = [ctx.pending, ctx.running, 0];
  let failed = ctx.failed;
  (counts[groupOf[from]] as number)--;
  (counts[groupOf[to]] as number)++;
  if (from === 'FAILED') failed--;
  if (to === 'FAILED') failed++;
  return { pending: counts[0] as number, running: counts[1] as number, failed };
}

const setAny = taskStateKeys.map(
  (key) => ({ guard: { type: 'is', params: { state: key } }, target: `.${key}` }) as const,
);
const resultAny = taskStateKeys.map(
  (key) => ({ guard: { type: 'is', params: { state: key } }, target: `#nested.${key}` }) as const,
);

/** What a child's change does to counters that count it: count, stop its actor if it asks. */
const countOnly = [
  { guard: 'releases', actions: ['countChild', 'releaseChild'] },
  { actions: 'countChild' },
] as const;

/**
 * How an active nested task runs its children (the substates of RUNNING and of ACTION_PENDING):
 * `resolving` until its children are known (a tick asks for them), then at each tick `scheduling`
 * (start PENDING children while {@link canStartChild} holds) and `settling` (SUCCESS or FAILED per
 * {@link settledState}), resting in `waiting`. A child that changes is counted and settles the task
 * when it was the last to finish (decided on the counters after the change, in one step: this is
 * the event every finishing child sends); it starts nothing between ticks.
 */
const activeStates = {
  initial: 'resolving',
  on: {
    result: resultAny,
    // A tick or a settle that has nothing to do takes no step at all (the common case: cheap).
    tick: [
      { guard: 'canStartChild', target: '.scheduling' },
      { guard: 'settled', target: '.settling' },
    ],
    settle: { guard: 'settled', target: '.settling' },
    'child.changed': [
      { guard: 'settlesSuccess', target: '#nested.SUCCESS', actions: ['countChild', 'releaseChild'] },
      { guard: 'settlesFailed', target: '#nested.FAILED', actions: ['countChild', 'releaseChild'] },
      ...countOnly,
    ],
  },
  states: {
    resolving: {
      always: { guard: 'resolved', target: 'waiting' },
      on: {
        tick: { actions: 'resolveChildren' },
        settle: {},
        'child.changed': countOnly,
        'children.resolved': { target: 'scheduling', actions: 'childrenResolved' },
      },
    },
    scheduling: {
      always: [
        { guard: 'canStartChild', target: 'settling', actions: 'startChildren' },
        { target: 'settling' },
      ],
    },
    settling: {
      always: [
        { guard: 'settledSuccess', target: '#nested.SUCCESS' },
        { guard: 'settledFailed', target: '#nested.FAILED' },
        { target: 'waiting' },
      ],
    },
    waiting: {},
  },
} as const;

/** The aggregate once a `child.changed` is counted (undefined for other events). */
function settlesOn(
  context: NestedSchedulingContext,
  event: NestedSchedulingEvent,
): 'SUCCESS' | 'FAILED' | undefined {
  if (event.type !== 'child.changed') return undefined;
  return settledState({ ...context, ...countChild(context, event.from, event.to) });
}

/**
 * The nested task chart: the seven task states of the task chart (operator events everywhere, no
 * final state), where RUNNING and ACTION_PENDING run the children ({@link activeStates}). The engine
 * runs one actor of it per active nested task, a child of its parent's actor (the root's, of the
 * job's actor); its children's actors are its own children, with the task ids as actor ids.
 *
 * The actions that touch the job are the engine's (it provides them, as `tick` in the job chart):
 * `startChildren` spawns the next PENDING children while {@link canStartChild} holds (in one
 * `assign`, so XState copies the children object once per tick, not once per child),
 * `adoptChild` spawns the actor of a child that became active otherwise, and `resolveChildren` asks
 * for the children of a children function. Run on its own, the chart just counts.
 */
export const nestedSchedulingMachine = setup({
  types: {
    context: {} as NestedMachineContext,
    input: {} as NestedMachineInput,
    events: {} as NestedSchedulingEvent,
  },
  guards: {
    is: ({ event }, params: { state: TaskStateKey }) => 'state' in event && event.state === params.state,
    resolved: ({ context }) => context.resolved,
    releases: ({ event }) => event.type === 'child.changed' && event.release,
    canStartChild: ({ context }) => canStartChild(context),
    settledSuccess: ({ context }) => settledState(context) === 'SUCCESS',
    settledFailed: ({ context }) => settledState(context) === 'FAILED',
    settled: ({ context }) => settledState(context) !== undefined,
    settlesSuccess: ({ context, event }) => settlesOn(context, event) === 'SUCCESS',
    settlesFailed: ({ context, event }) => settlesOn(context, event) === 'FAILED',
  },
  actions: {
    startChildren: assign(({ context }) => {
      const started = Math.min(context.pending, context.parallelism - context.running);
      return { pending: context.pending - started, running: context.running + started };
    }),
    adoptChild: () => {},
    resolveChildren: () => {},
    countChild: assign(({ context, event }) =>
      event.type === 'child.changed' ? countChild(context, event.from, event.to) : {},
    ),
    // Stops the child's actor only when the change says so (`release`); '' names no child.
    releaseChild: stopChild(({ event }) => (event.type === 'child.changed' && event.release ? event.id : '')),
    childrenResolved: assign(({ event }) =>
      event.type === 'children.resolved'
        ? { resolved: true, pending: event.pending, running: event.running, failed: event.failed }
        : {},
    ),
    setParallelism: assign({
      parallelism: ({ context, event }) =>
        event.type === 'parallelism' ? event.parallelism : context.parallelism,
    }),
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    forgetChildren: assign({ resolved: ({ context }) => !context.dynamic }),
    markPaused: assign({ paused: true }),
    markResumed: assign({ paused: false }),
  },
}).createMachine({
  id: 'nested',
  initial: 'PENDING',
  context: ({ input }) => ({
    attempt: input.attempt ?? 0,
    paused: input.paused ?? false,
    parallelism: input.parallelism,
    failFast: input.failFast,
    pending: input.pending ?? 0,
    running: input.running ?? 0,
    failed: input.failed ?? 0,
    resolved: input.resolved ?? true,
    dynamic: input.dynamic ?? false,
  }),
  on: {
    set: setAny,
    retry: { target: '.PENDING', actions: ['nextAttempt', 'forgetChildren'] },
    skip: { target: '.SKIPPED' },
    pause: { actions: 'markPaused' },
    resume: { actions: 'markResumed' },
    parallelism: { actions: 'setParallelism' },
    'child.changed': countOnly,
    'child.adopt': { actions: 'adoptChild' },
    'children.resolved': { actions: 'childrenResolved' },
  },
  states: {
    UNKNOWN: { on: { start: 'RUNNING' } },
    PENDING: { on: { start: 'RUNNING' } },
    RUNNING: activeStates,
    ACTION_PENDING: { ...activeStates, on: { ...activeStates.on, approve: 'RUNNING' } },
    SUCCESS: {},
    FAILED: {},
    SKIPPED: {},
  },
});

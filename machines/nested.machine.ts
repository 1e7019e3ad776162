import { assign, setup } from 'xstate';

/** What the nested scheduler knows of a nested task's children. */
export interface NestedSchedulingContext {
  parallelism: number;
  failFast: boolean;
  paused: boolean;
  /** Children in scheduling PENDING that are not paused (startable). */
  pending: number;
  /** Children in scheduling RUNNING. */
  running: number;
  /** Children FAILED. */
  failed: number;
}

/** True when the nested task may start its next PENDING child (DESIGN §4 rules 2, 3, 5). */
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

/** Events of the nested scheduling chart. */
export type NestedSchedulingEvent =
  | { type: 'tick' }
  | { type: 'child.finished'; state: 'SUCCESS' | 'FAILED' | 'SKIPPED' }
  | { type: 'child.reopened'; to: 'PENDING' | 'RUNNING'; from: 'SUCCESS' | 'FAILED' | 'SKIPPED' }
  | { type: 'parallelism'; parallelism: number }
  | { type: 'pause' }
  | { type: 'resume' };

/**
 * The nested task's scheduling as a statechart: on each tick it starts PENDING children while
 * {@link canStartChild} holds, and settles into SUCCESS or FAILED per {@link settledState}. The
 * engine's scheduler calls the same two functions over counters it keeps per nested task (so a tick
 * costs O(changed tasks)); this chart is their drawable specification, and test/nested-machine.test.ts
 * checks that the engine and the chart agree.
 */
export const nestedSchedulingMachine = setup({
  types: {
    context: {} as NestedSchedulingContext,
    input: {} as { parallelism: number; failFast: boolean; children: number },
    events: {} as NestedSchedulingEvent,
  },
  guards: {
    canStartChild: ({ context }) => canStartChild(context),
    settledSuccess: ({ context }) => settledState(context) === 'SUCCESS',
    settledFailed: ({ context }) => settledState(context) === 'FAILED',
  },
  actions: {
    startChild: assign({
      pending: ({ context }) => context.pending - 1,
      running: ({ context }) => context.running + 1,
    }),
    childFinished: assign(({ context, event }) => {
      if (event.type !== 'child.finished') return {};
      return { running: context.running - 1, failed: context.failed + (event.state === 'FAILED' ? 1 : 0) };
    }),
    childReopened: assign(({ context, event }) => {
      if (event.type !== 'child.reopened') return {};
      return {
        failed: context.failed - (event.from === 'FAILED' ? 1 : 0),
        pending: context.pending + (event.to === 'PENDING' ? 1 : 0),
        running: context.running + (event.to === 'RUNNING' ? 1 : 0),
      };
    }),
    setParallelism: assign({
      parallelism: ({ context, event }) =>
        event.type === 'parallelism' ? event.parallelism : context.parallelism,
    }),
    markPaused: assign({ paused: true }),
    markResumed: assign({ paused: false }),
  },
}).createMachine({
  id: 'nested',
  context: ({ input }) => ({
    parallelism: input.parallelism,
    failFast: input.failFast,
    paused: false,
    pending: input.children,
    running: 0,
    failed: 0,
  }),
  initial: 'scheduling',
  on: {
    'child.finished': { target: '.settling', actions: 'childFinished' },
    'child.reopened': { target: '.scheduling', actions: 'childReopened' },
    parallelism: { target: '.scheduling', actions: 'setParallelism' },
    pause: { target: '.settling', actions: 'markPaused' },
    resume: { target: '.scheduling', actions: 'markResumed' },
  },
  states: {
    scheduling: {
      always: [
        { guard: 'canStartChild', actions: 'startChild', target: 'scheduling', reenter: true },
        { target: 'settling' },
      ],
    },
    settling: {
      always: [
        { guard: 'settledSuccess', target: 'SUCCESS' },
        { guard: 'settledFailed', target: 'FAILED' },
        { target: 'waiting' },
      ],
    },
    waiting: { on: { tick: 'scheduling' } },
    SUCCESS: {},
    FAILED: {},
  },
});

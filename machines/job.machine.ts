import { setup } from 'xstate';

/** Events of the job's tick chart. */
export type JobMachineEvent = { type: 'start' } | { type: 'stop' };

/**
 * The job's tick: while started, a `tick` every `intervalMs` on the actor's clock (the job's clock),
 * first at once. One timer per job drives every task (no per-task timers). The engine provides the
 * `tick` action; it does not wait for the previous tick's polls (DESIGN §4 rule 1).
 */
export const jobMachine = setup({
  types: {
    context: {} as { intervalMs: number },
    input: {} as { intervalMs: number },
    events: {} as JobMachineEvent,
  },
  actions: {
    tick: () => {},
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ intervalMs: input.intervalMs }),
  initial: 'idle',
  states: {
    idle: { on: { start: 'ticking' } },
    ticking: {
      entry: 'tick',
      after: { interval: { target: 'ticking', reenter: true } },
      on: { stop: 'idle' },
    },
  },
});

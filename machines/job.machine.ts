import { setup, stopChild } from 'xstate';
import type { TaskStateKey } from './task.machine.js';

/** Events of the job chart. */
export type JobMachineEvent =
  /** Tick every `intervalMs` from now on. */
  | { type: 'start' }
  /** Stop ticking. */
  | { type: 'stop' }
  /** A tick: the job starts its root task if it is PENDING and not paused. */
  | { type: 'tick' }
  /** The root task's state changed (as in the nested chart); `release` stops its actor. */
  | { type: 'child.changed'; id: string; from: TaskStateKey; to: TaskStateKey; release: boolean }
  /** The root task became active other than by a tick (an operator, a restart): spawn its actor in `state`. */
  | { type: 'child.adopt'; id: string; state: TaskStateKey };

/**
 * The job's chart, the root of the job's actor tree: the root task's actor is its child. While
 * started, a tick is due every `intervalMs` on the actor's clock (the job's clock), first at once:
 * one timer per job drives every task (no per-task timers), and a tick does not wait for the
 * previous tick's polls. On a `tick` it starts the root task (`startRoot`, while `canStartRoot`).
 * The engine provides `tickDue` (it sends the tick through the tree), `canStartRoot`, `startRoot`
 * and `adoptChild` (they spawn the root task's actor).
 */
export const jobMachine = setup({
  types: {
    context: {} as { intervalMs: number },
    input: {} as { intervalMs: number },
    events: {} as JobMachineEvent,
  },
  guards: {
    canStartRoot: () => false,
    releases: ({ event }) => event.type === 'child.changed' && event.release,
  },
  actions: {
    tickDue: () => {},
    startRoot: () => {},
    adoptChild: () => {},
    // Stops the child's actor only when the change says so (`release`); '' names no child.
    releaseChild: stopChild(({ event }) => (event.type === 'child.changed' && event.release ? event.id : '')),
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ intervalMs: input.intervalMs }),
  initial: 'idle',
  on: {
    tick: { guard: 'canStartRoot', actions: 'startRoot' },
    'child.changed': { guard: 'releases', actions: 'releaseChild' },
    'child.adopt': { actions: 'adoptChild' },
  },
  states: {
    idle: { on: { start: 'ticking' } },
    ticking: {
      entry: 'tickDue',
      after: { interval: { target: 'ticking', reenter: true } },
      on: { stop: 'idle' },
    },
  },
});

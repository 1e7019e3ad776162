import { assign, setup } from 'xstate';

/** The names of the task states: the state node keys of {@link taskMachine}, as in proto3/rnr.proto. */
export type TaskStateKey =
  | 'UNKNOWN'
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCESS'
  | 'FAILED'
  | 'SKIPPED'
  | 'ACTION_PENDING';

/** Events the task statechart accepts. */
export type TaskMachineEvent =
  /** The scheduler starts a PENDING task. */
  | { type: 'start' }
  /** A poll result (leaf) or the aggregate of the children (nested). */
  | { type: 'result'; state: TaskStateKey }
  /** Operator: set any state. */
  | { type: 'set'; state: TaskStateKey }
  /** Operator: back to PENDING, attempt + 1. */
  | { type: 'retry' }
  /** Operator: SKIPPED. */
  | { type: 'skip' }
  /** Operator: ACTION_PENDING → RUNNING. */
  | { type: 'approve' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** The job's tick: an active, unpaused task asks to be polled (`poll`, the engine's). */
  | { type: 'tick' };

/** The context of a task actor. */
export interface TaskMachineContext {
  attempt: number;
  paused: boolean;
}

/** The state keys, in proto order. */
export const taskStateKeys: readonly TaskStateKey[] = [
  'UNKNOWN',
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'SKIPPED',
  'ACTION_PENDING',
];
/** From the root (operator `set`): targets are child states, `.KEY`. */
const setAny = taskStateKeys.map(
  (key) => ({ guard: { type: 'is', params: { state: key } }, target: `.${key}` }) as const,
);
/** From a sibling state (`result`): targets are siblings, `KEY`. */
const resultAny = taskStateKeys.map(
  (key) => ({ guard: { type: 'is', params: { state: key } }, target: key }) as const,
);

/**
 * The task statechart: the seven states of `TaskState`. Operator events are accepted in every state
 * and none is final, so a FAILED, SUCCESS or SKIPPED task can still be retried. The engine runs one
 * actor of this machine per active leaf task (RUNNING or ACTION_PENDING), a child of its nested
 * task's actor, and applies the same transitions to PENDING and DONE tasks, which it keeps as plain
 * records. On the job's `tick` an active task that is not paused asks for a poll: the `poll` action,
 * which the engine provides (it runs the poll once the tick has reached the actor).
 */
export const taskMachine = setup({
  types: {
    context: {} as TaskMachineContext,
    input: {} as Partial<TaskMachineContext> | undefined,
    events: {} as TaskMachineEvent,
  },
  guards: {
    is: ({ event }, params: { state: TaskStateKey }) => 'state' in event && event.state === params.state,
    notPaused: ({ context }) => !context.paused,
  },
  actions: {
    poll: () => {},
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    markPaused: assign({ paused: true }),
    markResumed: assign({ paused: false }),
  },
}).createMachine({
  id: 'task',
  initial: 'PENDING',
  context: ({ input }) => ({ attempt: input?.attempt ?? 0, paused: input?.paused ?? false }),
  on: {
    set: setAny,
    retry: { target: '.PENDING', actions: 'nextAttempt' },
    skip: { target: '.SKIPPED' },
    pause: { actions: 'markPaused' },
    resume: { actions: 'markResumed' },
  },
  states: {
    UNKNOWN: { on: { start: 'RUNNING' } },
    PENDING: { on: { start: 'RUNNING' } },
    RUNNING: { on: { result: resultAny, tick: { guard: 'notPaused', actions: 'poll' } } },
    ACTION_PENDING: {
      on: { result: resultAny, approve: 'RUNNING', tick: { guard: 'notPaused', actions: 'poll' } },
    },
    SUCCESS: {},
    FAILED: {},
    SKIPPED: {},
  },
});

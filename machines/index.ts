/** The statecharts of rnr, for the engine and for XState tooling. */

export type { JobMachineEvent } from './job.machine.js';
export { jobMachine } from './job.machine.js';
export type { NestedSchedulingContext, NestedSchedulingEvent } from './nested.machine.js';
export { canStartChild, nestedSchedulingMachine, settledState } from './nested.machine.js';
export type { TaskMachineContext, TaskMachineEvent, TaskStateKey } from './task.machine.js';
export { taskMachine } from './task.machine.js';

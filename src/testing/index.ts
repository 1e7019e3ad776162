/**
 * rnr's test harness: a simulated clock and a deterministic environment in which a workflow's
 * tests run hours of polling and scripted operator actions in milliseconds.
 *
 * @packageDocumentation
 */

export type { AutoApprove, RunOptions, RunReport, TestEnvironment } from './environment.js';
export { createTestEnvironment, hours, minutes, seconds } from './environment.js';
export { settle, TestClock } from './test-clock.js';

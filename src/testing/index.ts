/**
 * rnr's test harness: a simulated clock and a deterministic environment in which a workflow's
 * tests run hours of polling and scripted operator actions in milliseconds.
 *
 * @packageDocumentation
 */

export type { AutoApprove } from './auto-approve.js';
export type { RunOptions, StartRunOptions, TestEnvironment } from './environment.js';
export { createTestEnvironment, days, hours, minutes, seconds } from './environment.js';
export type { RunReport } from './run-report.js';
export { settle, TestClock } from './test-clock.js';

/**
 * The run host: the runs of workflows a process hosts (starting, resuming, reading, steering,
 * cancelling, retention, event streams). The server and the CLI reach runs only through it.
 *
 * @packageDocumentation
 */

export { clusterOf, localProcess } from './cluster-view.js';
export type { JobSource, JobsHostOptions } from './jobs-host.js';
export { jobsHost } from './jobs-host.js';
export { checkListQuery, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './list-query.js';
export type { LocalRunHost, ResumedRun, RunHostOptions } from './run-host.js';
export { createRunHost } from './run-host.js';
export { MAX_SCHEDULE_WAIT_MS } from './schedule-runner.js';
export type {
  CancelOptions,
  CommandAnswer,
  LiveRunWatcher,
  PendingCommand,
  RunCommand,
  RunHost,
  RunListPage,
  RunListQuery,
  RunStream,
  ScheduleFire,
  ScheduleStatus,
  StartedRun,
  StartRequest,
  WorkflowInfo,
} from './types.js';
export type { WorkflowCatalog } from './workflow-catalog.js';
export { createWorkflowCatalog } from './workflow-catalog.js';

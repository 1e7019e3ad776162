/**
 * rnr: workflow-based ops tooling. Tasks composed into jobs, with state, control, visibility,
 * durability and a deterministic test harness.
 *
 * @packageDocumentation
 */

export { createJob } from './create-job.js';
export type { Clock } from './engine/clock.js';
export { systemClock } from './engine/clock.js';
export type { CronTable } from './engine/cron-schedule.js';
export { cronTable, DEFAULT_TIMEZONE } from './engine/cron-schedule.js';
export type { MachineTaskOptions } from './engine/machine-task.js';
export { machineTask } from './engine/machine-task.js';
export { MAX_MESSAGE_CHARS } from './engine/message-cap.js';
export type { BackoffOptions, RetryOptions } from './engine/retry-policy.js';
export { runSnapshot, runSummary, taskTreeFromRecords } from './engine/run-view.js';
export type { CallbackTaskOptions, NestedTaskOptions } from './engine/specs.js';
export { callbackTask, nestedTask } from './engine/specs.js';
export type {
  ClusterProcess,
  ClusterWatcher,
  CommandOp,
  CommandRecord,
  CommandRequest,
  CommandStatus,
  CommitBatch,
  CreatedRun,
  CreateRunRequest,
  Fence,
  JsonObject,
  OpenedRun,
  RunPage,
  RunQuery,
  RunRecord,
  RunStateFilter,
  StateCounts,
  Store,
  StoreCluster,
  StoreCommands,
  StoredRun,
  StoreFeed,
  StoreFeedListener,
  StoreNotice,
  SubmittedCommand,
  TaskRecord,
} from './engine/store.js';
export { SCHEDULE_FIRES_KEPT } from './engine/store.js';
export type { SchedulingState, TaskStateName } from './engine/task-state.js';
export {
  isActive,
  isDone,
  isTaskState,
  parseTaskState,
  schedulingState,
  stateName,
  TaskState,
  taskStateNames,
  taskStates,
} from './engine/task-state.js';
export type {
  Approval,
  CallbackTaskSpec,
  ChildrenContext,
  ChildrenSource,
  GetTaskOptions,
  Job,
  JobHalt,
  JobOptions,
  JobSnapshot,
  JobSummary,
  MachineStatus,
  MachineTaskSpec,
  NestedTaskSpec,
  OperatorOptions,
  PollContext,
  PollFn,
  PollObservation,
  PollResult,
  RunFields,
  RunOption,
  RunOwner,
  SetStateOptions,
  Task,
  TaskEvent,
  TaskSpec,
} from './engine/types.js';
export { EventCause, RunTrigger, TaskKind } from './engine/types.js';
export type {
  AnyWorkflow,
  BuildContext,
  Workflow,
  WorkflowDefinition,
  WorkflowSchedule,
} from './engine/workflow.js';
export { DEFAULT_KEEP_RUNS, isWorkflow, workflow } from './engine/workflow.js';
export type { RunInput } from './engine/workflow-input.js';
export { inputJsonSchema, sameInput, validateInput } from './engine/workflow-input.js';
export type { WorkflowExport, WorkflowOptions } from './engine/workflow-module.js';
export type { InputIssue, RnrErrorCode } from './errors.js';
export { describeError, errorCodes, isRnrError, RnrError } from './errors.js';
export type { LeaseTimings } from './store/lease-timings.js';
export {
  checkLeaseMs,
  DEFAULT_LEASE_MS,
  leaseTimings,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
} from './store/lease-timings.js';
export { memoryStore } from './store/memory-store.js';
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export { sqliteStore } from './store/sqlite-store.js';

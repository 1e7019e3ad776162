/**
 * rnr's Control API server (`rnr/server`): `createServer`, the registry of the jobs it serves, the
 * close codes of its event sockets, and the protobuf codec a client of the binary API needs.
 * Everything else in this folder is internal.
 *
 * @packageDocumentation
 */

export type {
  CancelOptions,
  LiveRunWatcher,
  LocalRunHost,
  ResumedRun,
  RunCommand,
  RunHost,
  RunHostOptions,
  RunListPage,
  RunListQuery,
  RunStream,
  StartedRun,
  StartRequest,
  WorkflowInfo,
} from '../runs/index.js';
export { createRunHost } from '../runs/index.js';
export type { OperatorOp } from '../wire/names.js';
export type { AuditedOp, AuditRecord, AuditSink } from './audit.js';
export { JOB_GONE_CLOSE, SLOW_CONSUMER_CLOSE, TOO_MANY_SOCKETS_CLOSE } from './close-codes.js';
export type { ServerOptions } from './create-server.js';
export { createServer } from './create-server.js';
export type { JobRegistry, JobRegistryWatcher } from './job-registry.js';
export { createJobRegistry } from './job-registry.js';
export type { MessageName } from './proto-codec.js';
export {
  decodeError,
  decodeEvent,
  decodeEventList,
  decodeJob,
  decodeJobList,
  decodeTask,
  decodeWorkflowList,
  encodeMessage,
  PROTOBUF_MEDIA_TYPE,
} from './proto-codec.js';
export type { SocketCommand } from './socket-commands.js';

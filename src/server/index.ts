/**
 * rnr's Control API: `createServer` and the wire codecs clients share (`rnr/server`).
 *
 * @packageDocumentation
 */

export type { Role } from './auth.js';
export { JOB_GONE_CLOSE, SLOW_CONSUMER_CLOSE } from './close-codes.js';
export type { ServerOptions } from './create-server.js';
export { createServer } from './create-server.js';
export type { JobRegistry, JobRegistryWatcher } from './job-registry.js';
export { createJobRegistry, isJobRegistry } from './job-registry.js';
export type { JobJson, JobSummaryJson, TaskEventJson, TaskJson } from './json-codec.js';
export {
  eventFromJson,
  eventToJson,
  jobFromJson,
  jobToJson,
  summaryFromJson,
  summaryToJson,
  taskFromJson,
  taskToJson,
} from './json-codec.js';
export { isLoopback } from './listen-guard.js';
export type { WireFormat } from './negotiate.js';
export { acceptedFormat } from './negotiate.js';
export type { OperatorOp } from './operator-actions.js';
export { operatorOps } from './operator-actions.js';
export type { MessageName } from './proto-codec.js';
export {
  decodeError,
  decodeEvent,
  decodeEventList,
  decodeJob,
  decodeJobList,
  decodeMessage,
  decodeTask,
  encodeMessage,
  PROTOBUF_MEDIA_TYPE,
} from './proto-codec.js';
export { MAX_EVENTS_PER_PAGE } from './read-routes.js';
export type { SocketCommand } from './socket-commands.js';

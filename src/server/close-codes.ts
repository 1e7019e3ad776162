// The WebSocket close codes of the event stream, apart from event-socket.ts so that rnr/server's
// public declarations do not reach the \`ws\` types (a dev-only package for rnr's users).

/** Close code: the client read nothing for a heartbeat interval (reconnect with the \`since\` in the reason). */
export const SLOW_CONSUMER_CLOSE = 4008;
/** Close code: the job left the server, or the server is closing. */
export const JOB_GONE_CLOSE = 4004;
/** Close code: too many event sockets are open, with this token or in all (retry later). */
export const TOO_MANY_SOCKETS_CLOSE = 4029;

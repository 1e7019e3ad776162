// The WebSocket close codes of the event stream, apart from event-socket.ts so that rnr/server's
// public declarations do not reach the `ws` types (a dev-only package for rnr's users).

/** Close code for a consumer that fell too far behind (reconnect with `since`). */
export const SLOW_CONSUMER_CLOSE = 4008;
/** Close code when the job left the server or the server is closing. */
export const JOB_GONE_CLOSE = 4004;

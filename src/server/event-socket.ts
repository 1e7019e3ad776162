import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Job, TaskEvent } from '../index.js';
import { isRnrError } from '../index.js';
import { requireOperator } from './auth.js';
import { JOB_GONE_CLOSE, SLOW_CONSUMER_CLOSE } from './close-codes.js';
import { toRnrError } from './error-handler.js';
import { type EventFrames, type EventSink, eventFrames } from './event-feed.js';
import { actorName, applyCommand } from './operator-actions.js';
import type { ServerContext } from './server-context.js';
import { parseSocketCommand } from './socket-commands.js';

const PAGE = 500;
const HEARTBEAT_MS = 30_000;
const OPEN = 1;

interface EventsQuery {
  since?: string;
  format?: 'json' | 'proto';
  actor?: string;
}

/**
 * Serves one event socket: the backlog after `since`, then every live event, gap- and
 * duplicate-free (it subscribes first, buffers live events while replaying, and drops those
 * already sent). Answers operator commands sent on the same socket.
 */
export function serveEventSocket(
  socket: WebSocket,
  request: FastifyRequest,
  job: Job,
  context: ServerContext,
): void {
  const query = request.query as EventsQuery;
  const proto = query.format === 'proto';
  const { maxSocketBuffer, maxPendingEvents } = context.limits;
  const feed = context.feedOf(job);
  let actor = actorName(query.actor ?? request.headers['x-rnr-actor']);
  // A since beyond the log (a client of an earlier run of the job) means: live events only.
  let lastSent = Math.min(Number(query.since ?? 0), job.seq);
  let live = false;
  let closed = false;
  const pending: TaskEvent[] = [];
  const answers: string[] = [];

  const close = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    feed.remove(sink);
    if (socket.readyState === OPEN) socket.close(code, reason);
    // A consumer that never reads would keep the close frame queued forever.
    setTimeout(() => socket.terminate(), 10_000).unref();
  };
  const tooSlow = (): void => close(SLOW_CONSUMER_CLOSE, `too slow: reconnect with since=${lastSent}`);
  const send = (frames: EventFrames): void => {
    if (closed || frames.event.seq <= lastSent) return;
    socket.send(proto ? frames.proto() : frames.json());
    lastSent = frames.event.seq;
    // While replaying, the loop waits for the queue to drain between pages instead.
    if (live && socket.bufferedAmount > maxSocketBuffer) tooSlow();
  };
  const sink: EventSink = {
    event(frames) {
      if (live) send(frames);
      else if (pending.push(frames.event) > maxPendingEvents) tooSlow();
    },
    end: () => close(JOB_GONE_CLOSE, 'the job left the server; reconnect later'),
  };

  // Pings find dead peers (a laptop that slept) and keep proxies from closing idle sockets.
  let alive = true;
  const heartbeat = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, HEARTBEAT_MS).unref();
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    feed.remove(sink);
  });
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const command = parseSocketCommand(request, data, isBinary);
    // An answer follows the events its command caused, even while those wait behind the backlog.
    const reply = (body: object): void => {
      if (closed) return;
      if (live) socket.send(JSON.stringify(body));
      else answers.push(JSON.stringify(body));
    };
    if ('error' in command) {
      reply({ id: command.id, error: command.error.toJSON() });
      return;
    }
    try {
      if (command.op === 'hello') {
        actor = actorName(command.actor);
      } else {
        requireOperator(request.rnrRole);
        applyCommand(job, { ...command, op: command.op, task: command.task ?? '', actor }, request.log);
      }
      reply({ id: command.id, ok: true });
    } catch (err) {
      const error = isRnrError(err) ? err : toRnrError(err, request);
      reply({ id: command.id, error: error.toJSON() });
    }
  });

  feed.add(sink);
  void replay();

  async function replay(): Promise<void> {
    try {
      for (;;) {
        const page = job.events(lastSent, PAGE);
        for (const event of page) send(eventFrames(event));
        if (closed || page.length < PAGE) break;
        await drained();
      }
      if (closed) return;
      live = true;
      for (const event of pending.splice(0)) send(eventFrames(event));
      for (const answer of answers.splice(0)) if (!closed) socket.send(answer);
    } catch (err) {
      request.log.error({ err }, 'event replay failed');
      close(1011, 'RNR_ERR_INTERNAL: event replay failed; reconnect with since');
    }
  }

  /** Waits until the socket's queue is below half the bound; too long → closed as slow. */
  async function drained(): Promise<void> {
    const deadline = Date.now() + 30_000;
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (!closed && socket.bufferedAmount > maxSocketBuffer / 2) {
      if (Date.now() > deadline) return tooSlow();
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }
  }
}

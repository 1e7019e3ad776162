import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { isRnrError, type RnrError, type TaskEvent } from '../index.js';
import type { PendingCommand, RunStream } from '../runs/index.js';
import { requireOperator } from './auth.js';
import { JOB_GONE_CLOSE, SLOW_CONSUMER_CLOSE, TOO_MANY_SOCKETS_CLOSE } from './close-codes.js';
import { toRnrError } from './error-handler.js';
import { type EventFrames, eventFrames, type FeedSubscriber } from './event-feed.js';
import { actorName } from './operator-actions.js';
import { pendingBody } from './operator-answers.js';
import type { ServerContext } from './server-context.js';
import { parseSocketCommand, type SocketCommand } from './socket-commands.js';

/**
 * Events per page of the backlog: one page is read, encoded and handed to the socket at a time
 * (250 from SQLite: about 2 ms, the grain at which replay yields to everything else).
 */
const PAGE = 250;
/** Command answers a socket may have waiting (it sends commands but reads nothing) before it is closed. */
const MAX_WAITING_ANSWERS = 1000;
const OPEN = 1;

interface EventsQuery {
  since?: string;
  format?: 'json' | 'proto';
  actor?: string;
}

/** The key a socket is counted under for `maxSocketsPerToken`: its token's role. */
function slotKey(request: FastifyRequest, context: ServerContext): string {
  return context.auth.token === undefined ? 'local' : request.rnrRole;
}

/**
 * Serves one event socket: the log after `since`, then every live event, gap- and duplicate-free.
 *
 * A socket is either *catching up* — reading the run's log in pages, one page handed to the socket
 * only once the previous one has been written out, through the server's {@link ReplayPump} — or
 * *live*, sending each event as the job publishes it. It goes live when a page comes back short
 * (it has read the whole committed log; every committed event is published after that), and falls
 * back to catching up when more than `maxSocketBuffer` bytes wait to be written, or when an event
 * arrives that does not follow the last one sent. So what a socket holds is bounded by
 * `maxSocketBuffer` (or one page) whatever the job does, a slow reader never holds the engine or
 * the other sockets up, and it is never dropped for being slow — only for reading nothing at all
 * for a heartbeat interval ({@link SLOW_CONSUMER_CLOSE}). Operator commands sent on the socket are
 * answered after the events they caused.
 */
export function serveEventSocket(
  socket: WebSocket,
  request: FastifyRequest,
  job: RunStream,
  context: ServerContext,
): void {
  const key = slotKey(request, context);
  const refused = context.sockets.take(key);
  if (refused !== undefined) {
    socket.close(TOO_MANY_SOCKETS_CLOSE, refused.slice(0, 123));
    setTimeout(() => socket.terminate(), 1000).unref();
    return;
  }
  const query = request.query as EventsQuery;
  const proto = query.format === 'proto';
  const { maxSocketBuffer, heartbeatMs } = context.limits;
  const feed = context.feedOf(job);
  let actor = actorName(query.actor ?? request.headers['x-rnr-actor']);
  // A since beyond the log (a client of an earlier run of the job) means: live events only.
  let lastSent = Math.min(Number(query.since ?? 0), job.seq);
  let live = false;
  let paging = false;
  let closed = false;
  /** The highest seq published while this socket was not live: it must page past it first. */
  let seen = 0;
  let sent = 0;
  let written = 0;
  const answers: string[] = [];
  /** The socket's commands, applied one after the other. */
  let commands: Promise<void> = Promise.resolve();

  const release = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    feed.remove(sink);
    context.sockets.release(key);
  };
  const close = (code: number, reason: string): void => {
    if (closed) return;
    release();
    if (socket.readyState === OPEN) socket.close(code, reason);
    // A client that never reads would keep the close frame queued forever.
    setTimeout(() => socket.terminate(), Math.min(heartbeatMs, 10_000)).unref();
  };
  const onWritten = (): void => {
    written++;
    if (!live && !paging && written === sent) schedulePage();
  };
  const sendFrame = (frames: EventFrames): void => {
    sent++;
    socket.send(proto ? frames.proto() : frames.json(), onWritten);
    lastSent = frames.event.seq;
  };
  const catchUp = (): void => {
    live = false;
    if (written === sent) schedulePage();
  };
  const sink: FeedSubscriber = {
    event(frames) {
      if (!live) seen = Math.max(seen, frames.event.seq);
      if (!live || closed || frames.event.seq <= lastSent) return;
      // Not the next one (it went live between a commit and its publication): read the log instead.
      if (frames.event.seq !== lastSent + 1) return catchUp();
      sendFrame(frames);
      if (socket.bufferedAmount > maxSocketBuffer) catchUp();
    },
    end: () => close(JOB_GONE_CLOSE, 'the job left the server; reconnect later'),
  };

  function schedulePage(): void {
    if (paging || closed) return;
    paging = true;
    context.pump.schedule(page);
  }

  /** Sends the next page of the log; goes live when the log is read to its end. */
  function page(): void {
    if (closed || live || socket.readyState !== OPEN) {
      paging = false;
      return;
    }
    // `paging` stays set while the page is read: no second read of the same page meanwhile.
    job.events(lastSent, PAGE).then(sendPage, (err: unknown) => {
      paging = false;
      request.log.error({ err }, 'event replay failed');
      close(1011, 'RNR_ERR_INTERNAL: event replay failed; reconnect with since');
    });
  }

  function sendPage(read: readonly TaskEvent[]): void {
    paging = false;
    if (closed || live || socket.readyState !== OPEN) return;
    try {
      // Events sent live while the page was read are not sent twice.
      const events = read.filter((event) => event.seq > lastSent);
      for (const event of events) sendFrame(eventFrames(event));
      if (read.length < PAGE && seen > lastSent) {
        // Published while this page was read, so in no page yet: one more page.
        if (written === sent) schedulePage();
      } else if (read.length < PAGE) {
        live = true;
        for (const answer of answers.splice(0)) socket.send(answer);
        if (socket.bufferedAmount > maxSocketBuffer) catchUp();
      }
      // Otherwise onWritten schedules the next page once this one is written out.
    } catch (err) {
      request.log.error({ err }, 'event replay failed');
      close(1011, 'RNR_ERR_INTERNAL: event replay failed; reconnect with since');
    }
  }

  // Pings find dead peers (a laptop that slept) and keep proxies from closing idle sockets. A peer
  // answers a ping only after reading what was queued before it: no pong = it reads nothing.
  let alive = true;
  const heartbeat = setInterval(() => {
    if (!alive) return close(SLOW_CONSUMER_CLOSE, `not reading: reconnect with since=${lastSent}`);
    alive = false;
    socket.ping();
  }, heartbeatMs);
  heartbeat.unref();
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', release);
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const command = parseSocketCommand(request, data, isBinary);
    // An answer follows the events its command caused, even while those wait behind the backlog.
    const reply = (body: object): void => {
      if (closed) return;
      if (live && socket.bufferedAmount <= maxSocketBuffer) {
        socket.send(JSON.stringify(body));
        return;
      }
      // Behind the backlog, or the client is not reading: the answer waits, and so does the stream.
      if (live) catchUp();
      if (answers.push(JSON.stringify(body)) > MAX_WAITING_ANSWERS) {
        close(SLOW_CONSUMER_CLOSE, `not reading its answers: reconnect with since=${lastSent}`);
      }
    };
    if ('error' in command) {
      const error = command.error;
      commands = commands.then(() => reply({ id: command.id, error: error.toJSON() }));
      return;
    }
    if (command.op === 'hello') {
      actor = actorName(command.actor);
      commands = commands.then(() => reply({ id: command.id, ok: true }));
      return;
    }
    const op = command.op;
    const who = actor;
    const done = (error: RnrError | undefined, pending?: PendingCommand): void => {
      audit(command, error, who, pending ? 202 : 200);
      reply(
        error
          ? { id: command.id, error: error.toJSON() }
          : pending
            ? { id: command.id, ...pendingBody(pending) }
            : { id: command.id, ok: true },
      );
    };
    const failed = (err: unknown): void => done(isRnrError(err) ? err : toRnrError(err, request));
    // One command at a time, in the order sent: each is applied, and answered once durable (after
    // the events it caused), before the next; a refusal never overtakes an earlier acceptance.
    commands = commands.then(async () => {
      try {
        requireOperator(request.rnrRole);
        const { id: _id, idempotencyKey: key, ...rest } = command;
        const action = {
          ...rest,
          op,
          task: command.task ?? '',
          actor: who,
          ...(key && { idempotencyKey: key }),
        };
        const { runs } = context;
        if (!runs.submit) await runs.operate(job.id, action);
        const answer = runs.submit ? await runs.submit(job.id, action) : undefined;
        done(undefined, answer && 'pending' in answer ? answer.pending : undefined);
      } catch (err) {
        failed(err);
      }
    });
  });

  function audit(command: SocketCommand, error: RnrError | undefined, actor: string, status: number): void {
    context.audit.write(
      {
        time: Date.now(),
        op: command.op as Exclude<SocketCommand['op'], 'hello'>,
        job: job.id,
        task: command.task ?? '',
        actor,
        role: request.rnrRole,
        via: 'socket',
        remote: request.ip,
        ...(command.reason !== undefined && { reason: command.reason }),
        ...(command.state !== undefined && { state: command.state }),
        ...(command.parallelism !== undefined && { parallelism: command.parallelism }),
        ok: error === undefined,
        status: error?.status ?? status,
        ...(error && { code: error.code, error: error.message }),
      },
      request.log,
    );
  }

  feed.add(sink);
  schedulePage();
}

// Shared fixtures of the server tests: a small job with every kind of leaf an operator meets,
// and helpers to talk to a listening server.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { callbackTask, createJob, type Job, nestedTask, TaskState } from '../../src/index.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';

/**
 * A job `deploy`:
 *   deploy (nested, parallelism 2)
 *   ├── deploy/build     SUCCESS on its second poll
 *   ├── deploy/gate      ACTION_PENDING until approved, then SUCCESS
 *   ├── deploy/soak      keeps RUNNING
 *   └── deploy/zone      nested, parallelism 1: deploy/zone/vm-1, deploy/zone/vm-2 (keep RUNNING)
 */
export function deployJob(id = 'deploy'): Job {
  let builds = 0;
  return createJob({
    id,
    name: id,
    root: nestedTask({
      id,
      name: id,
      parallelism: 2,
      children: [
        callbackTask({ id: `${id}/build`, name: 'build', poll: () => ++builds >= 2 }),
        callbackTask({
          id: `${id}/gate`,
          name: 'gate',
          poll: ({ approval }) => (approval ? true : { state: TaskState.ACTION_PENDING, message: 'waiting' }),
        }),
        callbackTask({ id: `${id}/soak`, name: 'soak', poll: () => undefined }),
        nestedTask({
          id: `${id}/zone`,
          name: 'zone',
          children: [
            callbackTask({ id: `${id}/zone/vm-1`, name: 'vm-1', poll: () => undefined }),
            callbackTask({ id: `${id}/zone/vm-2`, name: 'vm-2', poll: () => undefined }),
          ],
        }),
      ],
    }),
  });
}

/** A flat job of `size` leaves that flip RUNNING ↔ ACTION_PENDING on every poll: a busy event log. */
export function busyJob(size: number, id = 'busy'): Job {
  const children = Array.from({ length: size }, (_, i) =>
    callbackTask({
      id: `${id}/t${i}`,
      name: `t${i}`,
      poll: ({ task }) => (task.state === TaskState.RUNNING ? TaskState.ACTION_PENDING : TaskState.RUNNING),
    }),
  );
  return createJob({ id, name: id, root: nestedTask({ id, name: id, parallelism: size, children }) });
}

/** Starts a server on 127.0.0.1, port 0, and returns it with its base URLs. */
export async function listening(
  options: ServerOptions,
): Promise<{ app: FastifyInstance; http: string; ws: string }> {
  const app = createServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

/** A WebSocket client that collects every message; `next(n)` waits for the first n. */
export interface SocketClient {
  socket: WebSocket;
  messages: Array<{ data: Buffer; binary: boolean }>;
  /** Resolves once `count` messages arrived (in total). */
  next(count: number): Promise<void>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** JSON-parses the text messages. */
  json(): Array<Record<string, unknown>>;
}

/** Opens a socket and resolves once it is open (rejects on an HTTP error answer). */
export function connect(url: string, headers: Record<string, string> = {}): Promise<SocketClient> {
  const socket = new WebSocket(url, { headers });
  const messages: SocketClient['messages'] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  socket.on('message', (data: Buffer, binary: boolean) => {
    messages.push({ data, binary });
    for (const waiter of waiters.filter((w) => messages.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const client: SocketClient = {
    socket,
    messages,
    closed,
    next: (count) =>
      messages.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    json: () =>
      messages.filter((m) => !m.binary).map((m) => JSON.parse(m.data.toString()) as Record<string, unknown>),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

/** A fresh server over `jobs` (in-process; use `inject`). */
export function server(jobs: Job[], options: Partial<ServerOptions> = {}): FastifyInstance {
  return createServer({ jobs, ...options });
}

/** What a test file opened and closes after each test (see {@link closeAfterEach}). */
export interface Closers {
  /** Closes `close` after the test, before whatever was opened earlier. */
  push(close: () => unknown): void;
  /** A {@link deployJob} after its first tick, closed after the test. */
  started(): Promise<Job>;
}

/**
 * Registers an `afterEach` that closes what the test opened, last opened first, and returns the
 * list to add to. Call it once at the top of a test file.
 */
export function closeAfterEach(): Closers {
  let closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers = [];
  });
  return {
    push: (close) => {
      closers.push(close);
    },
    async started() {
      const job = deployJob();
      closers.push(() => job.close());
      await job.tick();
      return job;
    },
  };
}

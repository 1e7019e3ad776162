/**
 * Event-socket replay benchmark (issue 10 item 10). Three processes: an rnr server with a job
 * whose SQLite log holds 500,000 events (it keeps ticking every 200 ms), a reader
 * process, and this one, which measures `GET /healthz` every 10 ms:
 *
 * 1. baseline: no socket open (the job ticking, 50 tasks changing each tick);
 * 2. while 10 sockets replay the log from since=0, reading as fast as they can (target: /healthz
 *    p50 ≤ baseline p50 + 10 ms; the tail of both is the job's own ticks, 5,000 polls each).
 *    Four rounds of 3 s each, alternating 1 and 2, pooled;
 * 3. the server's heap with 100 sockets that replay from since=0 and never read, against its heap
 *    before them (target: ≤ 64 MiB more).
 *
 * Run it with `node bin/run-ts.js bench/server-replay.ts` (or `npm run bench -- server-replay`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { callbackTask, createJob, nestedTask, sqliteStore, TaskState } from 'rnr';
import { createServer } from 'rnr/server';
import { WebSocket } from 'ws';
import { figure, gc, machineLine, median, percentile, section } from './report.js';
import { request } from './server-load.js';

const TASKS = 5_000;
const TICKS = 100;
const READERS = 10;
const IDLE_SOCKETS = 100;
const WINDOW_S = 3;
const ROUNDS = 4;

type Message = Record<string, number | string>;

function child(flag: string): { proc: ChildProcess; ask(message: Message): Promise<Message> } {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const proc = spawn(process.execPath, ['--expose-gc', 'bin/run-ts.js', 'bench/server-replay.ts', flag], {
    cwd: root,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message: Message) =>
    new Promise<Message>((resolve) => {
      proc.once('message', (answer) => resolve(answer as Message));
      proc.send(message);
    });
  return { proc, ask };
}

async function main(): Promise<void> {
  section(`Event-socket replay (${await machineLine()})`);
  const server = child('--child');
  const reader = child('--readers');
  try {
    const started = await server.ask({ type: 'start' });
    const base = `http://127.0.0.1:${started.port}`;
    console.log(
      `  job: ${TASKS} tasks, log of ${started.seq} events in SQLite (built in ${started.buildS} s), ticking every 200 ms`,
    );
    // Rounds alternate quiet and replaying windows, so that the machine's other work colours both.
    const baseline: number[] = [];
    const loaded: number[] = [];
    const loops = { quiet: [] as number[], replay: [] as number[] };
    let events = 0;
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(...(await probe(base, WINDOW_S)));
      loops.quiet.push(Number((await server.ask({ type: 'loop' })).p99));
      void reader.ask({ type: 'replay', port: started.port ?? 0, count: READERS, seconds: WINDOW_S + 0.5 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      loaded.push(...(await probe(base, WINDOW_S)));
      loops.replay.push(Number((await server.ask({ type: 'loop' })).p99));
      await new Promise((resolve) => setTimeout(resolve, 300));
      events += Number((await reader.ask({ type: 'result' })).events);
    }
    figure(`GET /healthz, no sockets: p50 / p99 / max (ms)`, line(baseline));
    const p50 = percentile(loaded, 50);
    figure(`GET /healthz, ${READERS} sockets replaying: p50 / p99 / max (ms)`, line(loaded), {
      text: `p50 ≤ baseline + 10 ms (${(percentile(baseline, 50) + 10).toFixed(1)})`,
      met: p50 <= percentile(baseline, 50) + 10,
    });
    figure(
      '  replayed meanwhile (events/s, all sockets)',
      `${Math.round(events / (WINDOW_S * ROUNDS))} (${events} events in ${ROUNDS} × ${WINDOW_S} s)`,
    );
    figure(
      '  server event-loop delay p99, quiet / replaying (ms, median of rounds)',
      `${median(loops.quiet).toFixed(1)} / ${median(loops.replay).toFixed(1)}`,
    );
    const heap = await server.ask({ type: 'idle', count: IDLE_SOCKETS });
    const grown = (Number(heap.after) - Number(heap.before)) / 2 ** 20;
    figure(
      `server heap with ${IDLE_SOCKETS} non-reading sockets replaying (MiB)`,
      `${(Number(heap.before) / 2 ** 20).toFixed(0)} → ${(Number(heap.after) / 2 ** 20).toFixed(0)} (+${grown.toFixed(0)}), ${heap.open} open`,
      { text: '≤ +64 MiB', met: grown <= 64 },
    );
  } finally {
    server.proc.kill();
    reader.proc.kill();
  }
}

const line = (values: number[]) => [50, 99, 100].map((p) => percentile(values, p).toFixed(1)).join(' / ');

/** GET /healthz every 10 ms for `seconds`; the latencies in ms. */
async function probe(base: string, seconds: number): Promise<number[]> {
  const end = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  while (performance.now() < end) {
    const t0 = performance.now();
    await request(`${base}/healthz`);
    latencies.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies;
}

/** The reader process: `count` sockets replaying from 0 as fast as they read, for `seconds`. */
async function readers(): Promise<void> {
  let events = 0;
  process.on('message', (message: Message) => {
    if (message.type === 'result') {
      process.send?.({ events });
      events = 0;
      return;
    }
    const sockets = Array.from({ length: Number(message.count) }, () => {
      const socket = new WebSocket(`ws://127.0.0.1:${message.port}/api/v1/jobs/replay/events?since=0`);
      socket.on('message', () => {
        events++;
      });
      return socket;
    });
    setTimeout(() => {
      for (const socket of sockets) socket.terminate();
    }, Number(message.seconds) * 1000);
  });
  process.on('disconnect', () => process.exit(0));
}

/** The server process: builds the log, serves it, and reports its event loop and heap. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-replay-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const store = sqliteStore(join(dir, 'rnr.db'));
  // While the log is built every task flips on every tick; then 50 do (250 live events/s).
  let building = true;
  const children = Array.from({ length: TASKS }, (_, i) =>
    callbackTask({
      id: `replay/t${i}`,
      name: `t${i}`,
      poll: ({ task }) =>
        !building && i >= 50
          ? undefined
          : task.state === TaskState.RUNNING
            ? TaskState.ACTION_PENDING
            : TaskState.RUNNING,
    }),
  );
  const job = createJob({
    id: 'replay',
    name: 'replay',
    store,
    pollIntervalMs: 200,
    root: nestedTask({ id: 'replay', name: 'replay', parallelism: TASKS, children }),
  });
  const t0 = performance.now();
  for (let i = 0; i < TICKS; i++) await job.tick();
  const buildS = ((performance.now() - t0) / 1000).toFixed(0);
  building = false;
  job.start();
  const app = createServer({ jobs: [job], maxSockets: 1000, maxSocketsPerToken: 1000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const idle: WebSocket[] = [];
  process.on('message', async (message: Message) => {
    if (message.type === 'start') {
      loop.enable();
      process.send?.({ port: (app.server.address() as AddressInfo).port, seq: job.seq, buildS });
    } else if (message.type === 'loop') {
      process.send?.({ p99: (loop.percentile(99) / 1e6).toFixed(1), max: (loop.max / 1e6).toFixed(1) });
      loop.reset();
    } else if (message.type === 'idle') {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      gc();
      const before = process.memoryUsage().heapUsed;
      const port = (app.server.address() as AddressInfo).port;
      for (let i = 0; i < Number(message.count); i++) {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/jobs/replay/events?since=0`);
        // Never reads: the kernel buffers fill and the server must stop there.
        socket.on('open', () => (socket as unknown as { _socket: { pause(): void } })._socket.pause());
        idle.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 5000));
      gc();
      const after = process.memoryUsage().heapUsed + process.memoryUsage().external;
      process.send?.({
        before: before + process.memoryUsage().external,
        after,
        open: app.websocketServer.clients.size,
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--child')) await serve();
else if (process.argv.includes('--readers')) await readers();
else await main();

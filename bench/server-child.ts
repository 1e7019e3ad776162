/** The server side of bench/server.ts: an rnr server with a ticking 10,000-task job, and a bare fastify. */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { callbackTask, createJob, type Job, nestedTask, type TaskSpec } from 'rnr';
import { createJobRegistry, createServer } from 'rnr/server';

const leaves = (prefix: string, n: number): TaskSpec[] =>
  Array.from({ length: n }, (_, i) =>
    callbackTask({ id: `${prefix}/t${i}`, name: `t${i}`, poll: () => undefined }),
  );

/** Serves until killed; answers the parent's `start` and `big` messages over IPC. */
export async function serveForBench(): Promise<void> {
  const tasks = 10_000;
  const job = createJob({
    id: 'bench',
    name: 'bench',
    pollIntervalMs: 200,
    root: nestedTask({ id: 'bench', name: 'bench', parallelism: tasks, children: leaves('bench', tasks) }),
  });
  await job.tick();
  job.start();
  const jobs = createJobRegistry([job]);
  const app = createServer({ jobs });
  // Server-side share of the latency: request received → its event handed to the socket.
  const received = new Map<string, number>();
  const serverSide: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  app.addHook('preHandler', async (request) => {
    const reason = (request.body as { reason?: string } | undefined)?.reason;
    if (reason?.startsWith('r'))
      received.set(reason, (request.raw as { t0?: number }).t0 ?? performance.now());
  });
  app.addHook('onRequest', async (request) => {
    (request.raw as { t0?: number }).t0 = performance.now();
  });
  job.subscribe((event) => {
    const t0 = received.get(event.reason);
    if (t0 !== undefined) {
      serverSide.push(performance.now() - t0);
      received.delete(event.reason);
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  bare.post('/bare', async () => ({ ok: true }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  let big: Job | undefined;

  process.on('message', async (message: { type: string }) => {
    if (message.type === 'start') {
      // Count from the load on: startup (schema compilation, the first tick) is not the API's.
      loopDelay.reset();
      process.send?.({
        port: (app.server.address() as AddressInfo).port,
        barePort: (bare.server.address() as AddressInfo).port,
        tasks,
      });
    } else if (message.type === 'server-side') {
      const sorted = serverSide.sort((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
      process.send?.({
        count: sorted.length,
        p50: at(50),
        p99: at(99),
        max: at(100),
        loopP99: loopDelay.percentile(99) / 1e6,
        loopMax: loopDelay.max / 1e6,
      });
    } else if (message.type === 'big') {
      // 100 groups of 1,000: a realistic tree rather than one flat list.
      const groups = Array.from({ length: 100 }, (_, g) =>
        nestedTask({ id: `big/g${g}`, name: `g${g}`, parallelism: 10, children: leaves(`big/g${g}`, 1000) }),
      );
      big = createJob({
        id: 'big',
        name: 'big',
        root: nestedTask({ id: 'big', name: 'big', parallelism: 100, children: groups }),
      });
      await big.tick();
      jobs.add(big);
      process.send?.({ ok: 1 });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * Control API benchmark (issue 3). The server runs in a child process (so the load generator does
 * not share its event loop); this process drives it over real sockets and prints:
 *
 * 1. latency from `POST …/state` to the matching event on a WebSocket client, at a steady
 *    500 requests/s for 10 s, with a 10,000-task job ticking (target p99 ≤ 20 ms);
 * 2. throughput of that POST against a bare fastify route in the same process, same run
 *    (target ≥ 50 %);
 * 3. size and time of `GET /jobs/:job` for a 100,000-task job, JSON vs protobuf (target protobuf
 *    ≤ 40 % of the JSON bytes; each answered in ≤ 500 ms).
 *
 * Run it with `node bin/run-ts.js bench/server.ts` (or `npm run bench -- server`).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { figure, machineLine, median, percentile, section } from './report.js';
import { serveForBench } from './server-child.js';
import { closedLoop, openLoop, request } from './server-load.js';

const clientLoop = monitorEventLoopDelay({ resolution: 5 });

if (process.argv.includes('--child')) {
  await serveForBench();
} else {
  await main();
}

async function main(): Promise<void> {
  section(`Control API (${await machineLine()})`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`  load average at start: ${load()} (other work on the machine colours every figure)`);
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/server.ts', '--child'], {
    cwd: root,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message: object) =>
    new Promise<Record<string, number>>((resolve) => {
      child.once('message', (answer) => resolve(answer as Record<string, number>));
      child.send(message);
    });
  try {
    const { port, barePort, tasks } = await ask({ type: 'start' });
    clientLoop.enable();
    clientLoop.reset();
    const base = `http://127.0.0.1:${port}`;
    console.log(`  job: ${tasks} callback tasks, all RUNNING, ticking every 200 ms`);
    await latency(base, port ?? 0, tasks ?? 0);
    const inside = await ask({ type: 'server-side' });
    figure(
      '  server side: request in → event handed to socket (ms)',
      `p50 ${inside.p50?.toFixed(2)} / p99 ${inside.p99?.toFixed(2)} / max ${inside.max?.toFixed(1)} (${inside.count})`,
    );
    figure(
      '  event-loop delay, server / load generator: p99, max (ms)',
      `${inside.loopP99?.toFixed(1)}, ${inside.loopMax?.toFixed(1)} / ${(clientLoop.percentile(99) / 1e6).toFixed(1)}, ${(clientLoop.max / 1e6).toFixed(1)}`,
    );
    await throughput(base, `http://127.0.0.1:${barePort}`, tasks ?? 0);
    await ask({ type: 'big' });
    await bigJob(base);
  } finally {
    child.kill();
    console.log(`  load average at end: ${load()}`);
  }
}

/** Open loop at 500 req/s for 10 s; each POST's reason names it, its event is matched by reason. */
async function latency(base: string, port: number, tasks: number): Promise<void> {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/jobs/bench/events?since=1000000000`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.on('message', (data: Buffer) => {
    const event = JSON.parse(data.toString()) as { reason?: string };
    const t0 = event.reason ? sent.get(event.reason) : undefined;
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  const rate = 500;
  const seconds = 10;
  const result = await openLoop(rate, seconds, (i) => {
    const reason = `r${i}`;
    sent.set(reason, performance.now());
    const state = Math.floor(i / tasks) % 2 === 0 ? 'ACTION_PENDING' : 'RUNNING';
    return request(`${base}/api/v1/jobs/bench/tasks/${encodeURIComponent(`bench/t${i % tasks}`)}/state`, {
      method: 'POST',
      body: JSON.stringify({ state, reason }),
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.close();
  const p99 = percentile(latencies, 99);
  figure(
    `POST state → event on WebSocket, ${rate} req/s × ${seconds} s`,
    `${latencies.length}/${result.sent} events`,
  );
  figure(
    '  latency p50 / p90 / p99 / max (ms)',
    [50, 90, 99, 100].map((p) => percentile(latencies, p).toFixed(1)).join(' / '),
    {
      text: 'p99 ≤ 20 ms',
      met: p99 <= 20 && latencies.length === result.sent,
    },
  );
  figure('  non-2xx answers', String(result.failed));
}

/**
 * Closed loop, 32 requests in flight: rnr's POST against a bare fastify POST, alternating in five
 * rounds of 1.5 s each so that the machine's noise hits both alike; the ratio is the median of the
 * rounds' ratios.
 */
async function throughput(base: string, bare: string, tasks: number): Promise<void> {
  const body = (i: number) =>
    JSON.stringify({ state: i % 2 === 0 ? 'ACTION_PENDING' : 'RUNNING', reason: `t${i}` });
  const runs: Array<{ rnr: number; bare: number }> = [];
  for (let round = 0; round < 5; round++) {
    const rnr = await closedLoop(32, 1.5, (i) =>
      request(`${base}/api/v1/jobs/bench/tasks/${encodeURIComponent(`bench/t${i % tasks}`)}/state`, {
        method: 'POST',
        body: body(i),
      }),
    );
    const plain = await closedLoop(32, 1.5, (i) =>
      request(`${bare}/bare`, { method: 'POST', body: body(i) }),
    );
    runs.push({ rnr: rnr.perSecond, bare: plain.perSecond });
  }
  const ratio = median(runs.map((r) => r.rnr / r.bare));
  figure(
    'POST …/state throughput, 32 in flight (req/s, median of 5)',
    median(runs.map((r) => r.rnr)).toFixed(0),
  );
  figure(
    'bare fastify POST route, same process (req/s, median of 5)',
    median(runs.map((r) => r.bare)).toFixed(0),
  );
  figure('  ratio (median of the rounds)', `${(ratio * 100).toFixed(0)} %`, {
    text: '≥ 50 %',
    met: ratio >= 0.5,
  });
}

/** `GET /jobs/big` five times in each format: median time, and bytes. */
async function bigJob(base: string): Promise<void> {
  const measure = async (accept: string) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await request(`${base}/api/v1/jobs/big`, { headers: { accept } });
      times.push(performance.now() - t0);
      bytes = res.bytes;
    }
    return { ms: median(times), max: Math.max(...times), bytes };
  };
  const json = await measure('application/json');
  const proto = await measure('application/x-protobuf');
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  figure('GET /jobs/:job, 100,000 tasks, JSON: size', mb(json.bytes));
  figure(
    'GET /jobs/:job, 100,000 tasks, protobuf: size',
    `${mb(proto.bytes)} (${((proto.bytes / json.bytes) * 100).toFixed(0)} % of JSON)`,
    {
      text: '≤ 40 %',
      met: proto.bytes <= 0.4 * json.bytes,
    },
  );
  figure('  JSON time, median / max of 5 (ms)', `${json.ms.toFixed(0)} / ${json.max.toFixed(0)}`, {
    text: '≤ 500 ms',
    met: json.max <= 500,
  });
  figure('  protobuf time, median / max of 5 (ms)', `${proto.ms.toFixed(0)} / ${proto.max.toFixed(0)}`, {
    text: '≤ 500 ms',
    met: proto.max <= 500,
  });
}

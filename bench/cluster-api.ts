/**
 * Cluster benchmark, "one API over all" (issue 16): three real `rnr serve --store postgres://…`
 * processes on one PostgreSQL (durable: fsync on), 1,000 concurrent runs of a gated workflow started
 * evenly across them, each polled every second (`--poll-ms`) and waiting at its gate. Then every
 * run is approved, in two phases, half of each phase's approvals sent to a process that does not
 * own the run; each approved run goes on through three steps and ends.
 *
 * - paced (the target lines): the first half approved open-loop at `--rate` a second (default 50),
 *   each send at its own time whatever the ones before are doing, so a slow answer cannot hide the
 *   ones queued behind it;
 * - burst (a stress line, no target): the second half `--concurrency` at once (default 10), the
 *   next group as soon as the last answered: every group lands on the owners together.
 *
 * Measured in one run, each beside its baseline:
 *
 * 1. an approval sent to a process that does not own the run (a durable command, applied by the
 *    owner, answered 200) — p50/p99, target p99 ≤ 100 ms — against the same approval sent to the
 *    owner directly;
 * 2. event delivery to a WebSocket stream on a non-owner (from the event's time, taken by the owner
 *    as it records it, to its arrival) — p50/p99, target p99 ≤ 100 ms — against a stream on the owner;
 * 3. every run finishes.
 *
 * Run: `npm run bench -- cluster-api`, or `node bin/run-ts.js bench/cluster-api.ts [--runs n]
 * [--rate n] [--concurrency n] [--poll-ms ms]`. Diagnosis: RNR_BENCH_LOG=<prefix> writes each
 * process's stderr to <prefix>.<pid>; RNR_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * passes Node flags to the processes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startPostgres } from '../test/fixtures/postgres/server.js';
import { figure, machineLine, median, percentile, section } from './report.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    rate: { type: 'string' },
    concurrency: { type: 'string' },
    'poll-ms': { type: 'string' },
  },
});
const RUNS = Number(values.runs ?? 1000);
const POLL_MS = Number(values['poll-ms'] ?? 1000);
const CONCURRENCY = Number(values.concurrency ?? 10);
const RATE = Number(values.rate ?? 50);
const root = fileURLToPath(new URL('..', import.meta.url));
const workflowFile = fileURLToPath(new URL('./cluster-api-workflow.ts', import.meta.url));

/** The fields of the API's answers the bench reads. */
interface Answer {
  id: string;
  jobs?: { counts?: { ACTION_PENDING?: number } }[];
  nextPageToken?: string;
}

interface Served {
  base: string;
  stop(): void;
}

function serve(url: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.RNR_BENCH_NODE_ARGS?.split(' ') ?? []),
      'bin/rnr.js',
      'serve',
      workflowFile,
      '--port',
      '0',
      '--store',
      url,
    ],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', RNR_BENCH_POLL_MS: String(POLL_MS) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      if (process.env.RNR_BENCH_LOG) appendFileSync(`${process.env.RNR_BENCH_LOG}.${child.pid}`, d);
      err += d;
      const m = /serving .* at (http:\/\/\S+)/.exec(err);
      if (m) resolve({ base: m[1] as string, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`rnr serve exited ${code}: ${err}`)));
  });
}

async function post(
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; ms: number; json: Answer }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-rnr-actor': 'bench' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Answer;
  return { status: res.status, ms: performance.now() - t0, json };
}

async function get(base: string, path: string): Promise<Answer> {
  return (await (await fetch(`${base}/api/v1${path}`)).json()) as Answer;
}

/** Waits until `ok` holds, reading every 200 ms, for at most `ms`. */
async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function countIn(base: string, state: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await get(base, `/jobs?limit=1000&state=${state}${token ? `&pageToken=${token}` : ''}`);
    for (const job of page.jobs ?? []) if (job.counts?.ACTION_PENDING || state !== 'ACTIVE') n++;
    token = page.nextPageToken;
  } while (token);
  return n;
}

/** A stream of a run's events on `base`, collecting delivery delays (arrival − the event's time). */
function stream(base: string, run: string, delays: number[]): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/jobs/${run}/events?since=1000000`);
  ws.on('message', (data, binary) => {
    if (binary) return;
    const frame = JSON.parse(String(data)) as { seq?: unknown; time?: unknown };
    if (frame.seq !== undefined && frame.time !== undefined) delays.push(Date.now() - Number(frame.time));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function main(): Promise<void> {
  const server = await startPostgres({ durable: true });
  const procs: Served[] = [];
  try {
    section(
      `cluster-api — ${await machineLine()}, PostgreSQL ${server.version}, 3 rnr serve processes, ${RUNS} runs polled every ${POLL_MS} ms; half approved at ${RATE}/s, half ${CONCURRENCY} at once`,
    );
    const { url } = await server.createDatabase({ label: 'cluster_api' });
    procs.push(await serve(url)); // the first creates the schema
    procs.push(...(await Promise.all([serve(url), serve(url)])));
    const owner = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i += 30) {
      await Promise.all(
        Array.from({ length: Math.min(30, RUNS - i) }, async (_, k) => {
          const p = (i + k) % 3;
          const started = await post(procs[p]?.base as string, '/workflows/bench-gated/runs', {});
          owner.set(started.json.id, p);
        }),
      );
    }
    figure(`${RUNS} runs started across 3 processes`, `${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await until(
      'every gate',
      120_000,
      async () => (await countIn(procs[0]?.base as string, 'ACTIVE')) >= RUNS,
    );

    // Two phases over the runs, each with its own streams and approvals. Paced (the target lines):
    // approvals sent open-loop at --rate a second, as operators and automation send them, each
    // timed from its own send, never waiting on the one before. Burst (a stress line): the rest
    // sent --concurrency at a time, each group at once after the last one answered.
    const runs = [...owner.keys()];
    const half = Math.floor(runs.length / 2);
    const phases = [
      { name: `approvals paced at ${RATE}/s`, runs: runs.slice(0, half), paced: true },
      { name: `approvals in bursts of ${CONCURRENCY} at once`, runs: runs.slice(half), paced: false },
    ].map((phase) => ({
      ...phase,
      viaOther: [] as number[],
      direct: [] as number[],
      remote: [] as number[],
      local: [] as number[],
    }));
    const sockets: WebSocket[] = [];
    // Streams: in each phase, 30 runs watched on a non-owner and 30 on their owner, before approvals.
    for (const phase of phases) {
      for (const [k, run] of phase.runs.slice(0, 60).entries()) {
        const p = owner.get(run) as number;
        const remote = k % 2 === 0;
        const at = procs[remote ? (p + 1) % 3 : p]?.base as string;
        sockets.push(await stream(at, run, remote ? phase.remote : phase.local));
      }
    }

    // Approvals alternate: to a non-owner (a durable command) and to the owner (direct).
    let refused = 0;
    const approve = async (phase: (typeof phases)[number], run: string, i: number): Promise<void> => {
      const p = owner.get(run) as number;
      const remote = i % 2 === 0;
      const at = procs[remote ? (p + 2) % 3 : p]?.base as string;
      const r = await post(at, `/jobs/${run}/tasks/bench-gated%2Fgate/approve`, {});
      if (r.status !== 200) refused++;
      else (remote ? phase.viaOther : phase.direct).push(r.ms);
    };
    for (const phase of phases) {
      if (phase.paced) {
        const t = performance.now();
        await Promise.all(
          phase.runs.map(async (run, i) => {
            const wait = t + (i * 1000) / RATE - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            await approve(phase, run, i);
          }),
        );
      } else {
        for (let i = 0; i < phase.runs.length; i += CONCURRENCY) {
          await Promise.all(phase.runs.slice(i, i + CONCURRENCY).map((run, k) => approve(phase, run, i + k)));
        }
      }
    }
    await until(
      'every run to finish',
      300_000,
      async () => (await countIn(procs[1]?.base as string, 'SUCCESS')) >= RUNS,
    );
    figure(
      `every run finished (${RUNS})`,
      `${((performance.now() - t0) / 1000).toFixed(1)} s after the first start`,
    );
    await new Promise((r) => setTimeout(r, 500));
    for (const ws of sockets) ws.close();
    if (refused > 0) figure('approvals not answered 200', String(refused));

    const ms = (xs: number[]) => `${median(xs).toFixed(1)} / ${percentile(xs, 99).toFixed(1)} ms`;
    for (const phase of phases) {
      const target = phase.paced ? { text: 'p99 ≤ 100 ms' } : undefined;
      console.log(`  ${phase.name}${phase.paced ? '' : ' (a stress line, no target)'}:`);
      figure('  approve on the owner (direct), p50 / p99', ms(phase.direct));
      figure(
        '  approve on a non-owner (durable command), p50 / p99',
        ms(phase.viaOther),
        target && { ...target, met: percentile(phase.viaOther, 99) <= 100 },
      );
      figure(`  event delivery, stream on the owner (${phase.local.length}), p50 / p99`, ms(phase.local));
      figure(
        `  event delivery, stream on a non-owner (${phase.remote.length}), p50 / p99`,
        ms(phase.remote),
        target && { ...target, met: percentile(phase.remote, 99) <= 100 },
      );
    }
  } finally {
    for (const p of procs) p.stop();
    await server.stop();
  }
}

await main();

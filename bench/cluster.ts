/**
 * Cluster benchmark (issue 16): takeover after SIGKILL — real `rnr serve --store postgres://…`
 * processes on the tests' PostgreSQL; the owner of a run is killed, and the time from the kill to
 * the new owner's first committed event (its "resumed from seq" event) is measured, a few times at
 * the default lease and twenty times at `--lease-ms 2000`. Then the single-process lifecycle
 * (10,000 no-op leaves, parallelism 100) on PostgreSQL at the default lease and at the shortest
 * (1 s: a renewal every 133 ms), interleaved: what leases cost a process.
 * Run: `npm run bench -- cluster`, or
 * `node bin/run-ts.js bench/cluster.ts [--default-kills n] [--short-kills n] [--rounds n]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { postgresStore } from 'rnr/postgres';
import { startPostgres } from '../test/fixtures/postgres/server.js';
import { type LifecycleRound, lifecycle } from './postgres-rnr.js';
import { figure, machineLine, median, section } from './report.js';

const { values } = parseArgs({
  options: {
    'default-kills': { type: 'string' },
    'short-kills': { type: 'string' },
    rounds: { type: 'string' },
  },
});
const DEFAULT_KILLS = Number(values['default-kills'] ?? 3);
const SHORT_KILLS = Number(values['short-kills'] ?? 20);
const ROUNDS = Number(values.rounds ?? 3);
const LEAVES = 10_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const workflowFile = join(root, 'test/fixtures/cluster-workflow.ts');

interface Node {
  proc: ChildProcess;
  url: string;
  pid: number;
}

function serve(storeUrl: string, leaseMs: number | undefined, cwd: string): Promise<Node> {
  const args = [join(root, 'bin/rnr.js'), 'serve', workflowFile, '--port', '0', '--store', storeUrl];
  if (leaseMs !== undefined) args.push('--lease-ms', String(leaseMs));
  const proc = spawn(process.execPath, args, {
    cwd, // its audit file goes to <cwd>/.rnr
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr?.on('data', (d) => {
      err += d;
      const m = /serving .* at (http:\/\/\S+)/.exec(err);
      if (m) resolve({ proc, url: m[1] as string, pid: proc.pid as number });
    });
    proc.on('exit', (code) => reject(new Error(`rnr serve exited ${code}: ${err}`)));
  });
}

async function api<T>(node: Node, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${node.url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Kills the owner of a fresh run `kills` times; ms from each kill to the new owner's first event. */
async function takeovers(storeUrl: string, leaseMs: number | undefined, kills: number, dir: string) {
  let nodes = await Promise.all([serve(storeUrl, leaseMs, dir), serve(storeUrl, leaseMs, dir)]);
  const db = new pg.Client({ connectionString: storeUrl });
  await db.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < kills; i++) {
      const input = { log: join(dir, 'polls.log'), steps: 1, polls: 1e9 };
      const run = await api<{ id: string }>(nodes[0] as Node, '/workflows/chaos/runs', { input });
      const seqOf = async () =>
        Number((await db.query('SELECT seq FROM rnr.runs WHERE id = $1', [run.id])).rows[0]?.seq ?? 0);
      while ((await seqOf()) === 0) await tick();
      const owner = (
        await db.query(
          'SELECT p.pid FROM rnr.runs r JOIN rnr.processes p ON p.id = r.owner_process WHERE r.id = $1',
          [run.id],
        )
      ).rows[0]?.pid;
      const victim = nodes.find((n) => n.pid === owner) as Node;
      const survivor = nodes.find((n) => n !== victim) as Node;
      const seq = await seqOf();
      victim.proc.kill('SIGKILL');
      const killed = performance.now();
      const replacement = serve(storeUrl, leaseMs, dir);
      for (;;) {
        // The new owner's first event says where it resumed from. Any other event after `seq` may be
        // the dead owner's own: a commit it sent just before the kill still lands.
        const { rows } = await db.query(
          `SELECT 1 FROM rnr.events WHERE run_id = $1 AND seq > $2 AND reason LIKE 'resumed from seq %' LIMIT 1`,
          [run.id, seq],
        );
        if (rows.length > 0) break;
        await tick();
      }
      times.push(performance.now() - killed);
      await api(survivor, `/jobs/${run.id}/cancel`, {}).catch(() => undefined);
      nodes = [survivor, await replacement];
    }
  } finally {
    await db.end();
    for (const node of nodes) node.proc.kill('SIGKILL');
  }
  return times;
}

async function main(): Promise<void> {
  const server = await startPostgres({ durable: true });
  const dir = mkdtempSync(join(tmpdir(), 'rnr-bench-cluster-'));
  try {
    section(`cluster — ${await machineLine()}, PostgreSQL ${server.version}, real rnr serve processes`);
    const seconds = (n: number) => `${(n / 1000).toFixed(2)} s`;
    for (const [leaseMs, kills] of [
      [2000, SHORT_KILLS],
      [undefined, DEFAULT_KILLS],
    ] as const) {
      if (kills <= 0) continue;
      const db = await server.createDatabase({ label: `takeover_${leaseMs ?? 'default'}` });
      const times = await takeovers(db.url, leaseMs, kills, dir);
      const lease = leaseMs ?? 15_000;
      figure(
        `takeover after SIGKILL, lease ${lease} ms: kill → new owner's first event (${kills} kills)`,
        `median ${seconds(median(times))}, max ${seconds(Math.max(...times))}`,
        { text: `≤ lease + 2 s (${seconds(lease + 2000)})`, met: Math.max(...times) <= lease + 2000 },
      );
    }

    // Leases cost a process one renewal per 2/15 of a lease: the default against the shortest.
    const byLease = new Map<number, LifecycleRound[]>([
      [15_000, []],
      [1_000, []],
    ]);
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [leaseMs, rounds] of byLease) {
        const db = await server.createDatabase({ label: `life_${leaseMs}_${round}` });
        const store = postgresStore(db.url, { leaseMs });
        const r = await lifecycle(store, 'lifecycle', LEAVES);
        await store.close();
        if (round > 0) rounds.push(r);
      }
    }
    const rate = (rounds: readonly LifecycleRound[]) => (LEAVES / median(rounds.map((r) => r.ms))) * 1000;
    const normal = rate(byLease.get(15_000) ?? []);
    const short = rate(byLease.get(1_000) ?? []);
    figure(
      `rnr lifecycle on PostgreSQL, leases on (lease 15 s), ${LEAVES.toLocaleString()} leaves`,
      `${Math.round(normal).toLocaleString()}/s tasks`,
    );
    figure(
      'same, lease 1 s (a renewal every 133 ms), same run',
      `${Math.round(short).toLocaleString()}/s tasks`,
    );
    figure('ratio lease 1 s / lease 15 s', `${(short / normal).toFixed(2)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}

await main();

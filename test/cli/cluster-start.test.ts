// `rnr serve --store postgres://…` processes sharing a real PostgreSQL: two starting at once on an
// empty database make one schema without an error; GET /cluster shows both; a full process
// (--max-runs) leaves new runs to the other; a clean stop gives its runs to the other at once; a
// crash of PostgreSQL itself (pg_ctl restart -m immediate) is survived by every process and run.
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresStore } from '../../src/store/postgres/index.js';
import {
  type Node,
  pollLines,
  type RunSummary,
  startNode,
  stopNode,
  summaryOf,
  until,
} from '../fixtures/cluster.js';
import { createDatabase, startPostgres } from '../fixtures/postgres/index.js';
import { spawnRnr, stateDir } from './harness.js';

const lease = ['--lease-ms', '2000'];
const nodes: Node[] = [];

afterEach(async () => {
  for (const node of nodes.splice(0)) {
    node.proc.proc.kill('SIGKILL');
    await node.proc.exited;
  }
});

interface ClusterAnswer {
  processes: {
    id: string;
    host: string;
    pid: number;
    startedAt: number;
    heartbeatAt: number;
    workflows: string[];
    runs: number;
  }[];
}

async function start(node: Node, input: Record<string, unknown>): Promise<RunSummary> {
  return node.api<RunSummary>('/workflows/chaos/runs', { method: 'POST', body: JSON.stringify({ input }) });
}

describe('rnr serve on PostgreSQL: several processes', () => {
  it('two processes starting at once on an empty database: one schema, no error; both in GET /cluster; placement and a clean stop', async () => {
    const db = await createDatabase({ label: 'cluster-start' });
    const args = [...lease, '--max-runs', '1'];
    const [a, b] = await Promise.all([startNode(db.url, args), startNode(db.url, args)]);
    nodes.push(a, b);
    for (const node of [a, b]) expect(node.proc.stderr()).not.toMatch(/error|RNR_ERR/i);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const schemas = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'rnr'`);
      expect(schemas.rowCount).toBe(1);
      const steps = await client.query('SELECT version FROM rnr.migrations ORDER BY version');
      expect(steps.rows.map((r) => r.version)).toEqual(
        [...new Set(steps.rows.map((r) => r.version))].sort((x, y) => x - y),
      );
    } finally {
      await client.end();
    }

    const cluster = await a.api<ClusterAnswer>('/cluster');
    expect(cluster.processes.map((p) => p.pid).sort()).toEqual([a.pid, b.pid].sort());
    for (const p of cluster.processes) {
      expect(p.workflows).toEqual(['chaos']);
      expect(p.runs).toBe(0);
      expect(p.heartbeatAt).toBeGreaterThanOrEqual(p.startedAt);
    }

    // a takes the first run; full (--max-runs 1), it leaves the second, which b takes.
    const log = join(stateDir(), 'polls.log');
    const input = { log, steps: 200, polls: 1000 };
    const first = await start(a, input);
    const second = await start(a, input);
    const idOf = (pid: number) => cluster.processes.find((p) => p.pid === pid)?.id;
    expect(first.owner?.process).toBe(idOf(a.pid));
    expect(second.owner).toBeUndefined();
    await b.proc.waitFor(new RegExp(`took over run ${second.id} at seq 0`), 'stderr');
    expect((await summaryOf(a, second.id)).owner?.process).toBe(idOf(b.pid));
    const counts = await b.api<ClusterAnswer>('/cluster');
    expect(counts.processes.map((p) => p.runs)).toEqual([1, 1]);

    // rnr ls and rnr get say who runs what; a run of a workflow that no process has waits for one.
    const other = postgresStore(db.url);
    await other.createRun({ workflow: 'ghost' });
    await other.close();
    const ls = await spawnRnr(['ls', '--server', a.url]).exited;
    expect(ls.stdout).toMatch(/^RUN .* OWNER$/m);
    expect(ls.stdout).toMatch(new RegExp(`^${first.id} .* pid ${a.pid}@\\S+ \\(epoch 1\\)$`, 'm'));
    expect(ls.stdout).toMatch(new RegExp(`^${second.id} .* pid ${b.pid}@\\S+ \\(epoch 1\\)$`, 'm'));
    expect(ls.stdout).toMatch(/^ghost-1 .* waiting for a process with workflow ghost$/m);
    const get = await spawnRnr(['get', second.id, '--server', a.url]).exited;
    expect(get.stdout).toMatch(new RegExp(`^owner: pid ${b.pid}@\\S+ \\(epoch 1\\)$`, 'm'));

    // A clean stop gives a's run back at once; b is full, so a third process takes it.
    const c = await startNode(db.url, lease);
    nodes.push(c);
    await stopNode(a);
    const [line] = await c.proc.waitFor(new RegExp(`took over run ${first.id} .*`), 'stderr');
    // Released, not lapsed: the run had no owner left when c took it ("from process …" otherwise).
    expect(line).not.toMatch(/from process/);
    await until('c polls the run', () => pollLines(log).some((l) => l.pid === c.pid && l.run === first.id));
  }, 90_000);

  it('pg_ctl restart -m immediate: every process recovers and every run goes on', async () => {
    const server = await startPostgres();
    try {
      const db = await server.createDatabase({ label: 'cluster-restart' });
      const args = [...lease, '--max-runs', '1'];
      const [a, b] = await Promise.all([startNode(db.url, args), startNode(db.url, args)]);
      nodes.push(a, b);
      const log = join(stateDir(), 'polls.log');
      const input = { log, steps: 12, polls: 2 };
      const runs = [await start(a, input), await start(a, input)];
      await until('both runs polled', () => {
        const lines = pollLines(log);
        return runs.every((run) => lines.some((l) => l.run === run.id));
      });
      await server.restart({ mode: 'immediate' });
      await until(
        'both runs finished',
        async () => {
          for (const run of runs) if ((await summaryOf(a, run.id)).state !== 'SUCCESS') return false;
          return true;
        },
        60_000,
      );
      // Both processes are still there, renewing.
      const cluster = await b.api<ClusterAnswer>('/cluster');
      expect(cluster.processes.map((p) => p.pid).sort()).toEqual([a.pid, b.pid].sort());
    } finally {
      for (const node of nodes.splice(0)) {
        node.proc.proc.kill('SIGKILL');
        await node.proc.exited;
      }
      await server.stop();
    }
  }, 120_000);
});

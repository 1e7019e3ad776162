// Two `rnr serve --store postgres://…` processes on a real PostgreSQL: the owner of a run is killed
// (SIGKILL) mid-run, or frozen (SIGSTOP) past its lease, and the other takes the run over within a
// lease plus 2 s, from the store, and finishes it; nothing a client saw or had acknowledged is lost,
// no seq is reused, and a frozen owner that wakes up polls nothing more.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventsOf,
  type Node,
  pollLines,
  type RunSummary,
  startNode,
  stopNode,
  summaryOf,
  until,
} from '../fixtures/cluster.js';
import { createDatabase } from '../fixtures/postgres/index.js';
import { stateDir } from './harness.js';

const LEASE_MS = 2000;
const lease = ['--lease-ms', String(LEASE_MS)];
const nodes: Node[] = [];

afterEach(async () => {
  for (const node of nodes.splice(0)) {
    if (node.proc.proc.signalCode === null && node.proc.proc.exitCode === null) {
      node.proc.proc.kill('SIGCONT');
      node.proc.proc.kill('SIGKILL');
      await node.proc.exited;
    }
  }
});

async function twoNodes(url: string): Promise<[Node, Node]> {
  const [a, b] = await Promise.all([startNode(url, lease), startNode(url, lease)]);
  nodes.push(a, b);
  return [a, b];
}

describe('rnr serve on PostgreSQL: takeover', () => {
  it('SIGKILL of the owner: the other process takes over within a lease + 2 s and nothing is lost', async () => {
    const db = await createDatabase({ label: 'takeover-kill' });
    const log = join(stateDir(), 'polls.log');
    const [a, b] = await twoNodes(db.url);
    // Started on a: a owns it (the starting process places a run on itself while it has room).
    const started = await a.api<RunSummary>('/workflows/chaos/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { log, steps: 30, polls: 2 } }),
    });
    const id = started.id;
    await until('a few steps done on a', () =>
      pollLines(log).filter((l) => l.pid === a.pid).length >= 6 ? true : undefined,
    );
    // An acknowledged operator action: a's answer means it is durable.
    const paused = await a.api<{ paused: boolean }>(`/jobs/${id}/tasks/chaos%2Fstep-30/pause`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'before the crash' }),
    });
    expect(paused.paused).toBe(true);
    const seen = await eventsOf(a, id);
    expect(seen.length).toBeGreaterThan(0);

    a.proc.proc.kill('SIGKILL');
    const killedAt = performance.now();
    await a.proc.exited;
    await b.proc.waitFor(new RegExp(`took over run ${id} `), 'stderr', 15_000);
    const tookMs = performance.now() - killedAt;
    expect(tookMs).toBeLessThan(LEASE_MS + 2000);

    // The paused last step holds the run; resuming it (on b, the owner now) lets it finish.
    await until('step 29 done on b', async () => {
      const task = await b.api<{ state: string }>(`/jobs/${id}/tasks/chaos%2Fstep-29`);
      return task.state === 'SUCCESS';
    });
    const step30 = await b.api<{ paused: boolean }>(`/jobs/${id}/tasks/chaos%2Fstep-30`);
    expect(step30.paused).toBe(true);
    await b.api(`/jobs/${id}/tasks/chaos%2Fstep-30/resume`, { method: 'POST', body: '{}' });
    // Finished, the run is released: no owner.
    await until('the run finished on b and released', async () => {
      const job = await summaryOf(b, id);
      return job.state === 'SUCCESS' && job.owner === undefined;
    });

    const all = await eventsOf(b, id);
    // Every event a client saw is there, the same, at its seq; seqs run 1..n, none reused.
    expect(all.slice(0, seen.length)).toEqual(seen);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.some((e) => e.action === 'pause' && e.reason === 'before the crash')).toBe(true);
    expect(all.some((e) => String(e.reason).startsWith('resumed from seq'))).toBe(true);
    // Both processes polled; b polled every step a had not finished.
    const lines = pollLines(log);
    expect(new Set(lines.map((l) => l.pid))).toEqual(new Set([a.pid, b.pid]));
  }, 90_000);

  it('SIGSTOP of the owner past its lease: the other takes over; woken, the old owner polls nothing more', async () => {
    const db = await createDatabase({ label: 'takeover-stop' });
    const log = join(stateDir(), 'polls.log');
    const [a, b] = await twoNodes(db.url);
    const started = await a.api<RunSummary>('/workflows/chaos/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { log, steps: 40, polls: 2, pollMs: 30 } }),
    });
    const id = started.id;
    await until('a few steps done on a', () =>
      pollLines(log).filter((l) => l.pid === a.pid).length >= 4 ? true : undefined,
    );
    const before = (await summaryOf(b, id)).owner;
    expect(before?.process).toBeDefined();

    a.proc.proc.kill('SIGSTOP');
    await b.proc.waitFor(new RegExp(`took over run ${id} `), 'stderr', 15_000);
    const byA = pollLines(log).filter((l) => l.pid === a.pid).length;
    await until('b polling', () => (pollLines(log).some((l) => l.pid === b.pid) ? true : undefined));
    const after = (await summaryOf(b, id)).owner;
    expect(after?.epoch).toBeGreaterThan(before?.epoch ?? 0);
    expect(after?.process).not.toBe(before?.process);

    a.proc.proc.kill('SIGCONT');
    // Woken, a learns it lost the run: past its renewal deadline, or its commit refused.
    await a.proc.waitFor(
      new RegExp(
        `run ${id}: (this process did not renew its lease in time|another process owns it now \\(RNR_ERR_LEASE_LOST\\))`,
      ),
      'stderr',
      15_000,
    );
    await until('the run finished on b', async () => {
      const job = await summaryOf(b, id);
      return job.state === 'SUCCESS';
    });
    // a polled nothing after it was frozen, though it ran on while b finished the run.
    expect(pollLines(log).filter((l) => l.pid === a.pid).length).toBe(byA);
    // a still serves, and reads the run from the store: b's, finished.
    const seenByA = await summaryOf(a, id);
    expect(seenByA.state).toBe('SUCCESS');
    const all = await eventsOf(a, id);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    await stopNode(a);
    await stopNode(b);
  }, 90_000);
});

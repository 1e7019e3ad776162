// One API over all, with real `rnr serve` processes on a real PostgreSQL: an action sent to a
// process that does not own the run while its owner dies is applied exactly once; an event stream
// on a non-owner gets every event in seq order, across the loss of its LISTEN connection.
import { resolve } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until as waitFor } from '../fixtures/cluster.js';
import { createDatabase, sharedPostgres } from '../fixtures/postgres/index.js';
import { type RnrProcess, spawnRnr, stateDir } from './harness.js';

const gated = resolve('test/fixtures/cli-gated-workflow.ts');
const steps = resolve('test/fixtures/cluster-steps-workflow.ts');

const running: RnrProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.proc.kill('SIGKILL');
    await p.exited;
  }
});

async function serve(file: string, url: string) {
  const proc = spawnRnr(['serve', file, '--port', '0', '--store', url, '--lease-ms', '2000'], {}, stateDir());
  running.push(proc);
  const [, base] = await proc.waitFor(/serving .* at (http:\/\/\S+)/, 'stderr');
  return { proc, base: base as string };
}

/** The fields of the API's answers these tests read. */
interface Body {
  id?: string;
  state?: string;
  seq?: string | number;
  root?: { state?: string };
  events?: { seq: number; action: string; actor: string }[];
  pending?: boolean;
  command?: unknown;
}

async function api(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}

/** `until` of the cluster fixture, with the condition apart from the read (a read that throws is "not yet"). */
const until = <T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> =>
  waitFor(what, async () => {
    const value = await read();
    return ok(value) ? { value } : undefined;
  }).then((found) => (found as { value: T }).value);

describe('a cluster of rnr serve processes on one PostgreSQL', () => {
  it('applies an action sent to a non-owner exactly once while the owner dies', async () => {
    const db = await createDatabase({ label: 'cluster-cmd' });
    const owner = await serve(gated, db.url);
    const other = await serve(steps, db.url); // serves every run, hosts another workflow
    const started = await api(owner.base, '/workflows/gated/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { version: '2.0' } }),
    });
    const run = started.body.id as string;
    const gate = `/jobs/${run}/tasks/gated%2Fgate`;
    await until(
      'the gate',
      () => api(other.base, gate),
      (r) => r.body.state === 'ACTION_PENDING',
    );

    const approve = () =>
      api(other.base, `${gate}/approve`, {
        method: 'POST',
        headers: { 'idempotency-key': 'approve-once', 'x-rnr-actor': 'erin' },
        body: JSON.stringify({ reason: 'owner is dying' }),
      });
    // The action reaches the non-owner, which records it; the owner dies at once.
    const sent = approve();
    owner.proc.proc.kill('SIGKILL');
    const first = await sent;
    expect([200, 202]).toContain(first.status);
    if (first.status === 202)
      expect(first.body).toMatchObject({ pending: true, command: { job: run, op: 'approve' } });

    // Another process with the workflow takes the run over once the dead owner's lease lapsed and
    // applies what is pending; a resend with the key is answered, never applied again.
    const next = await serve(gated, db.url);
    await until(
      'the end',
      () => api(next.base, `/jobs/${run}`),
      (r) => r.body.root?.state === 'SUCCESS',
    );
    const resent = await approve();
    expect(resent.status).toBe(200);
    expect(resent.headers.get('idempotent-replayed')).toBe('true');
    const log = await api(other.base, `/jobs/${run}/events?since=0`);
    const approvals = (log.body.events as { action: string; actor: string }[]).filter(
      (e) => e.action === 'approve',
    );
    expect(approvals).toEqual([expect.objectContaining({ actor: 'erin' })]);
    const seqs = (log.body.events ?? []).map((e) => Number(e.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    // Both approvals are in the cluster's audit table, from the process that answered them.
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      const audited = await client.query<{ process: string; record: { op: string; actor: string } }>(
        "SELECT process, record FROM rnr.audit WHERE job = $1 AND record->>'op' = 'approve' ORDER BY id",
        [run],
      );
      expect(audited.rows.map((r) => [r.record.op, r.record.actor])).toEqual([
        ['approve', 'erin'],
        ['approve', 'erin'],
      ]);
      expect(new Set(audited.rows.map((r) => r.process)).size).toBe(1);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('streams every event of a run on a non-owner, in order, across the loss of its LISTEN connection', async () => {
    const db = await createDatabase({ label: 'cluster-stream' });
    const owner = await serve(steps, db.url);
    const other = await serve(gated, db.url);
    const started = await api(owner.base, '/workflows/steps/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { count: 12, polls: 3 } }),
    });
    const run = started.body.id as string;
    const seqs: number[] = [];
    const socket = new WebSocket(`${other.base.replace(/^http/, 'ws')}/api/v1/jobs/${run}/events?since=0`);
    socket.on('message', (data, binary) => {
      const frame = JSON.parse(String(data)) as { seq?: string | number };
      if (!binary && frame.seq !== undefined) seqs.push(Number(frame.seq));
    });
    await new Promise((r) => socket.once('open', r));
    const server = await sharedPostgres();
    await until(
      'a few events',
      async () => seqs.length,
      (n) => n >= 5,
    );
    // Cut every process's LISTEN connection mid-run, twice; they reconnect and catch up by seq.
    for (let i = 0; i < 2; i++) {
      const cut = await server.terminateBackends({ applicationName: 'rnr-listen', database: db.name });
      expect(cut).toBeGreaterThanOrEqual(2);
      await until(
        'the listeners back',
        () => server.backends({ applicationName: 'rnr-listen', database: db.name }),
        (b) => b.length >= 2,
      );
    }
    const done = await until(
      'the end',
      () => api(other.base, `/jobs/${run}`),
      (r) => r.body.root?.state === 'SUCCESS',
    );
    await until(
      'every event on the socket',
      async () => seqs.at(-1),
      (last) => last === Number(done.body.seq),
    );
    socket.close();
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }, 60_000);
});

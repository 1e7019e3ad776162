/**
 * What node-postgres (pg 8) does when the database goes away — the behaviours the PostgreSQL store
 * is built on, pinned against a real server so an upgrade that changes them fails here first.
 * docs/postgres-notes.md explains each and what the store does about it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  type PostgresServer,
  sharedPostgres,
  startPostgres,
  type TestDatabase,
} from '../fixtures/postgres/index.js';

const PROBE = fileURLToPath(new URL('../fixtures/postgres/idle-error-probe.mjs', import.meta.url));

/** Every event a client emits, in order, as short strings (`error 57P01`, `notice 57P01`, `end`). */
function record(client: pg.Client | pg.PoolClient): string[] {
  const seen: string[] = [];
  client.on('error', (err: Error & { code?: string }) => seen.push(`error ${err.code ?? err.message}`));
  client.on('notice', (msg: { code?: string }) => seen.push(`notice ${msg.code}`));
  client.on('end', () => seen.push('end'));
  return seen;
}

async function backendPid(client: pg.Client | pg.PoolClient): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

describe('test databases', () => {
  it('gives each caller a database of its own, owned by an ordinary role, commits synchronous', async () => {
    const [a, b] = await Promise.all([
      createDatabase({ label: 'iso-a' }),
      createDatabase({ label: 'iso-b' }),
    ]);
    expect(a.name).not.toBe(b.name);
    const ca = new pg.Client(a.url);
    // Both URL schemes reach the same database (the store accepts both).
    const cb = new pg.Client(b.url.replace(/^postgres:/, 'postgresql:'));
    await Promise.all([ca.connect(), cb.connect()]);
    try {
      await ca.query('CREATE TABLE runs (id text PRIMARY KEY)');
      await ca.query("INSERT INTO runs VALUES ('a')");
      expect((await cb.query("SELECT to_regclass('runs') AS t")).rows[0].t).toBeNull();
      const who = await ca.query(
        "SELECT current_user AS u, rolsuper AS su, current_setting('synchronous_commit') AS sc FROM pg_roles WHERE rolname = current_user",
      );
      expect(who.rows[0]).toEqual({ u: 'rnr', su: false, sc: 'on' });
    } finally {
      await Promise.all([ca.end(), cb.end()]);
    }
  });
});

describe('connection errors (SQLSTATE or errno on err.code)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ label: 'errors' });
  });

  it('wrong password 28P01, unknown database 3D000, nothing listening ECONNREFUSED', async () => {
    const url = new URL(db.url);
    url.password = 'not-the-password';
    await expect(new pg.Client(url.href).connect()).rejects.toMatchObject({ code: '28P01' });
    await expect(new pg.Client(db.url.replace(db.name, 'no_such_db')).connect()).rejects.toMatchObject({
      code: '3D000',
    });
    url.port = String(await closedPort());
    await expect(new pg.Client(url.href).connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('COMMIT of a transaction that failed answers ROLLBACK, without an error', async () => {
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      await client.query('CREATE TABLE batches (seq int PRIMARY KEY)');
      await client.query('BEGIN');
      await client.query('INSERT INTO batches VALUES (1)');
      await expect(client.query('INSERT INTO batches VALUES (1)')).rejects.toMatchObject({ code: '23505' });
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' }); // aborted
      const commit = await client.query('COMMIT');
      expect(commit.command).toBe('ROLLBACK'); // nothing was committed, and no exception says so
      expect((await client.query('SELECT count(*)::int AS n FROM batches')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('a LISTEN connection', () => {
  let db: TestDatabase;
  let server: PostgresServer;
  beforeAll(async () => {
    db = await createDatabase({ label: 'listen' });
    server = await sharedPostgres();
  });

  it('terminated by pg_terminate_backend: error 57P01, then a second error and end; NOTIFYs meanwhile are lost', async () => {
    const notifier = new pg.Client(db.url);
    await notifier.connect();
    const listener = new pg.Client({ connectionString: db.url, application_name: 'rnr-listen-victim' });
    const events = record(listener);
    await listener.connect();
    await listener.query('LISTEN runs');
    const victims = await server.backends({ applicationName: 'rnr-listen-victim' });
    expect(victims).toMatchObject([{ database: db.name, state: 'idle', query: 'LISTEN runs' }]);
    // Not events.once: it rejects on the 'error' that comes first.
    const ended = new Promise((resolve) => listener.once('end', resolve));
    expect(await server.terminateBackends({ applicationName: 'rnr-listen-victim', database: db.name })).toBe(
      1,
    );
    await ended;
    expect(events).toEqual(['error 57P01', 'error Connection terminated unexpectedly', 'end']);
    // A query on the dead client fails at once, without reaching the server.
    await expect(listener.query('SELECT 1')).rejects.toThrow(/not queryable/);

    await notifier.query("NOTIFY runs, 'while-away'");
    const again = new pg.Client({ connectionString: db.url, application_name: 'rnr-listen-again' });
    const payloads: string[] = [];
    again.on('notification', (n) => payloads.push(n.payload ?? ''));
    await again.connect();
    await again.query('LISTEN runs');
    const arrived = once(again, 'notification');
    await notifier.query("NOTIFY runs, 'after'");
    await arrived;
    // Notifications arrive in commit order: 'while-away' would have come first. It never will.
    expect(payloads).toEqual(['after']);
    await Promise.all([notifier.end(), again.end()]);
  });

  it('whose server stops answering stays silent: no event at all; a heartbeat with a timeout notices', async () => {
    // query_timeout: how long a query may go unanswered; the heartbeat's bound.
    const listener = new pg.Client({
      connectionString: db.url,
      application_name: 'rnr-frozen',
      query_timeout: 300,
    });
    const events = record(listener);
    await listener.connect();
    await listener.query('LISTEN runs');
    const pid = await backendPid(listener);
    // SIGSTOP stands in for a half-open TCP connection (a failover, a dropped NAT entry): the
    // socket stays open and nothing arrives, so node-postgres has nothing to report.
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(listener.query('SELECT 1')).rejects.toThrow('Query read timeout');
      expect(events).toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await listener.end(); // a client with a timed-out query is finished: end it and connect anew
    expect(events).toEqual(['end']);
  });
});

describe('a server of its own: restart and stop', () => {
  let server: PostgresServer;
  let db: TestDatabase;
  beforeAll(async () => {
    server = await startPostgres();
    db = await server.createDatabase({ label: 'restart' });
  });
  afterAll(() => server?.close());

  it('restart -m immediate: commits survive; idle clients error without a code; the pool reconnects', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    const poolErrors: string[] = [];
    pool.on('error', (err: Error & { code?: string }) => poolErrors.push(err.code ?? err.message));
    await pool.query('CREATE TABLE events (seq int PRIMARY KEY)');
    await pool.query('INSERT INTO events VALUES (1)'); // acknowledged: committed before the crash

    const listener = new pg.Client(db.url);
    const events = record(listener);
    await listener.connect();
    await listener.query('LISTEN runs');
    const busy = await pool.connect();
    const busyEvents = record(busy); // a checked-out client: the pool does not listen to it
    const inFlight = busy.query('SELECT pg_sleep(30)');
    const inFlightError = inFlight.then(
      () => undefined,
      (err: Error & { code?: string }) => err.code ?? err.message,
    );
    const idleGone = once(pool, 'error');
    // Keep one client idle in the pool for the crash (the in-flight one is checked out).
    await pool.query('SELECT 1');

    await server.restart({ mode: 'immediate' });
    await idleGone;
    // Immediate shutdown warns (a notice, 57P01) and drops the socket: the errors carry no code.
    expect(await inFlightError).toBe('Connection terminated unexpectedly');
    expect(poolErrors).toEqual(['Connection terminated unexpectedly']);
    expect(events).toEqual(['notice 57P01', 'error Connection terminated unexpectedly', 'end']);
    expect(busyEvents).toContain('error Connection terminated unexpectedly');
    busy.release(true); // destroy it rather than return a dead client to the pool

    expect((await pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(1);
    await pool.end();
  });

  it('stop -m fast: clients get 57P01; while down connecting fails ECONNREFUSED; after start all is back', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const poolErrors: string[] = [];
    pool.on('error', (err: Error & { code?: string }) => poolErrors.push(err.code ?? err.message));
    const busy = await pool.connect();
    busy.on('error', () => undefined);
    const inFlight = busy.query('SELECT pg_sleep(30)').catch((err: Error & { code?: string }) => err.code);
    await pool.query('SELECT 1'); // an idle one too

    await server.stop({ mode: 'fast' });
    expect(await inFlight).toBe('57P01');
    busy.release(true);
    expect(poolErrors[0]).toBe('57P01');
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    expect((await pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(1);
    await pool.end();
  });
});

describe("an 'error' event nobody listens to ends the process", () => {
  let db: TestDatabase;
  let server: PostgresServer;
  beforeAll(async () => {
    db = await createDatabase({ label: 'probe' });
    server = await sharedPostgres();
  });

  /** Runs the probe in `mode`, terminates its backend, and reports how the probe ended. */
  async function probe(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [PROBE, mode, db.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        stdout += d;
        const m = /ready (\d+)/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`probe exited before ready: ${stderr}`)));
    });
    expect(await server.terminateBackends({ pid })).toBe(1);
    const [code] = await exited;
    return { code, stdout, stderr };
  }

  it('an idle Client without an error listener: the process crashes', async () => {
    const { code, stderr } = await probe('client');
    expect(code).toBe(1);
    expect(stderr).toMatch(/Unhandled 'error' event|terminating connection due to administrator command/);
  });

  it("an idle pooled client and no pool 'error' listener: the process crashes", async () => {
    expect((await probe('pool')).code).toBe(1);
  });

  it("with a pool 'error' listener: the pool drops the client and the next query reconnects", async () => {
    const { code, stdout } = await probe('pool-handled');
    expect(code).toBe(0);
    expect(stdout).toContain('pool error 57P01');
    expect(stdout).toContain('recovered 1');
  });

  it("a checked-out client is not covered by the pool's listener: the process crashes", async () => {
    const { code, stdout } = await probe('checked-out');
    expect(code).toBe(1);
    expect(stdout).not.toContain('pool error');
  });
});

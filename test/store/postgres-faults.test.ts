/**
 * postgresStore when the database misbehaves: a wrong password, no server, a connection
 * terminated while a commit waits, an answer lost after the server wrote the batch, a database
 * gone for longer than the store's own retries. Each ends in a clear error or a clean recovery,
 * and nothing acknowledged is lost.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { callbackTask, createJob, isDone, nestedTask, type Store, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../../src/store/postgres/index.js';
import {
  createDatabase,
  type PostgresServer,
  sharedPostgres,
  type TestDatabase,
} from '../fixtures/postgres/index.js';
import { startProxy, type TcpProxy } from '../fixtures/tcp-proxy.js';

const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function fleet(n: number, poll: () => boolean | undefined = () => undefined) {
  const children = Array.from({ length: n }, (_, i) =>
    callbackTask({ id: `vm-${i}`, name: `vm-${i}`, poll }),
  );
  return nestedTask({ id: 'fleet', name: 'fleet', parallelism: n, children });
}

/** Waits (real time, bounded) until `check` holds: for what the database does, not for the job's clock. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function readyError(url: string): Promise<unknown> {
  const store = postgresStore(url, { connectionTimeoutMillis: 2000 });
  open.push(store);
  return store.ready().then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('postgresStore: connecting', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase({ label: 'connect' });
  });

  it('a wrong password, an unknown database, no server: RNR_ERR_STORE_UNAVAILABLE saying which, no password', async () => {
    const url = new URL(db.url);
    url.password = 'Sw0rdfish-not-it';
    const wrong = await readyError(url.href);
    expect(wrong).toMatchObject({
      code: 'RNR_ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining('the server refused the login: wrong password'),
    });
    const unknown = await readyError(db.url.replace(db.name, 'no_such_db'));
    expect(unknown).toMatchObject({
      message: expect.stringContaining('the database does not exist (3D000)'),
    });
    url.password = new URL(db.url).password;
    url.port = String(await closedPort());
    const nobody = await readyError(url.href);
    expect(nobody).toMatchObject({
      code: 'RNR_ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    for (const err of [wrong, unknown, nobody]) {
      const text = `${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`;
      expect(text).not.toContain('Sw0rdfish');
      expect(text).not.toContain(decodeURIComponent(new URL(db.url).password));
    }
  });
});

describe('postgresStore: a commit whose connection fails', () => {
  let db: TestDatabase;
  let server: PostgresServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await sharedPostgres();
    db = await createDatabase({ label: 'faults' });
    proxy = await startProxy(server.port);
  });
  afterAll(() => proxy?.close());

  const viaProxy = () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    return url.href;
  };

  it('terminated while it waits: sent again on a new connection, written once, acknowledged', async () => {
    const applicationName = `rnr-victim-${process.pid}`;
    const store = postgresStore(db.url, { applicationName });
    open.push(store);
    const job = createJob({ id: 'terminated', name: 'x', root: fleet(3), store });
    await job.tick();
    // Hold the run's row, so that the commit waits inside the database, then kill its backend.
    const locker = new pg.Client(db.superuserUrl);
    await locker.connect();
    await locker.query("BEGIN; SELECT 1 FROM rnr.runs WHERE id = 'terminated' FOR UPDATE");
    const waiting = async () =>
      (await server.backends({ applicationName, database: db.name })).some((b) =>
        b.query.startsWith('WITH batch AS'),
      );
    const ack = job.pause('vm-1', { actor: 'alice' });
    await until('the commit to wait for the row', waiting);
    expect(await server.terminateBackends({ applicationName, database: db.name })).toBeGreaterThan(0);
    await until('the commit sent again', waiting);
    await locker.query('COMMIT');
    await locker.end();
    await expect(ack).resolves.toMatchObject({ id: 'vm-1', paused: true });
    const events = await store.events('terminated', 0);
    expect(events.filter((e) => e.action === 'pause')).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    await job.close();
  });

  it('whose answer is lost after the server wrote it: recognised as written, acknowledged once', async () => {
    const store = postgresStore(viaProxy());
    open.push(store);
    const job = createJob({ id: 'lost-answer', name: 'x', root: fleet(3), store });
    await job.tick();
    const lost = proxy.loseAnswerTo('rnr-commit');
    const ack = job.pause('vm-2', { actor: 'alice' });
    await lost;
    await expect(ack).resolves.toMatchObject({ id: 'vm-2', paused: true });
    const events = await store.events('lost-answer', 0);
    expect(events.filter((e) => e.action === 'pause')).toHaveLength(1);
    expect(job.halted).toBeUndefined();
    await job.close();
  });

  it('a batch written but unanswered as the database goes away: the job halts, and reloads what was written', async () => {
    const clock = new TestClock();
    const store = postgresStore(viaProxy(), { connectionTimeoutMillis: 500 });
    open.push(store);
    let n = 0;
    const root = callbackTask({ id: 'vm', name: 'vm', poll: () => ({ message: `progress ${++n}` }) });
    const job = createJob({ id: 'unanswered', name: 'x', root, store, clock, pollIntervalMs: 100 });
    await job.start();
    await until(
      'the first poll stored',
      async () => (await store.loadRun('unanswered'))?.tasks[0]?.message === 'progress 1',
    );
    const lost = proxy.loseAnswerTo('rnr-commit', { thenDown: true });
    await clock.advance(100);
    await lost;
    await until('the job to halt', () => job.halted !== undefined);
    expect(job.halted?.code).toBe('RNR_ERR_STORE_UNAVAILABLE');
    proxy.up();
    await clock.advance(1000);
    await until('the job to recover', () => job.halted === undefined);
    const stored = await store.loadRun('unanswered');
    expect(stored?.tasks[0]?.message).toBe('progress 2');
    expect(job.getTask('vm').message).toBe('progress 2'); // what the store holds, not what it held before
    await job.close();
  });

  it('while the database is gone for longer: the job halts, serves reads, recovers; nothing acknowledged lost', async () => {
    const clock = new TestClock();
    const store = postgresStore(viaProxy(), { connectionTimeoutMillis: 500 });
    open.push(store);
    let done = false;
    const job = createJob({ id: 'outage', name: 'x', root: fleet(4, () => done || undefined), store, clock });
    await job.tick();
    const acked = await job.pause('vm-0', { actor: 'alice', reason: 'before' });
    expect(acked.paused).toBe(true);
    const published: number[] = [];
    job.subscribe((e) => published.push(e.seq));

    proxy.down();
    const refused = job.skip('vm-3', { actor: 'bob' });
    await expect(refused).rejects.toMatchObject({
      code: 'RNR_ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining('whether it was written is unknown'),
    });
    expect(job.halted).toMatchObject({ code: 'RNR_ERR_STORE_UNAVAILABLE' });
    // Reads keep working, from memory; actions are refused at once.
    expect(job.getTask('vm-0')).toMatchObject({ paused: true });
    expect(job.snapshot().halted).toBeDefined();
    await expect(Promise.resolve().then(() => job.resume('vm-0', { actor: 'bob' }))).rejects.toMatchObject({
      code: 'RNR_ERR_STORE_IO',
      message: expect.stringContaining('the action was not applied'),
    });

    proxy.up();
    done = true;
    await clock.advance(1000); // the job tries its store again
    await until('the job to recover', () => job.halted === undefined);
    while (!isDone(job.summary().state)) {
      await job.resume('vm-0', { actor: 'alice' }).catch(() => undefined);
      await job.tick();
    }
    expect(job.summary().state).toBe(TaskState.SUCCESS);
    const events = await store.events('outage', 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.action === 'pause' && e.reason === 'before')).toHaveLength(1);
    // Everything published was stored first.
    const stored = new Set(events.map((e) => e.seq));
    expect(published.filter((seq) => !stored.has(seq))).toEqual([]);
    await job.close();
  });
});

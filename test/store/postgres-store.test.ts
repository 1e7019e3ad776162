/**
 * postgresStore on a real PostgreSQL (a fresh database per test): running and resuming jobs,
 * ownership and fencing between store instances, text PostgreSQL cannot hold, schemas.
 */
import pg from 'pg';
import { callbackTask, createJob, isDone, nestedTask, type Store, TaskState } from 'rnr';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from '../../src/store/postgres/index.js';
import { newProcess } from '../../src/store/postgres/pg-owner.js';
import { createDatabase, type TestDatabase } from '../fixtures/postgres/index.js';

const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function storeOf(
  db: TestDatabase | string,
  options: Parameters<typeof postgresStore>[1] = {},
): PostgresStore {
  const store = postgresStore(typeof db === 'string' ? db : db.url, options);
  open.push(store);
  return store;
}

function fleet(n: number, poll: () => boolean | undefined = () => true) {
  const children = Array.from({ length: n }, (_, i) =>
    callbackTask({ id: `vm-${i}`, name: `vm-${i}`, poll }),
  );
  return nestedTask({ id: 'fleet', name: 'fleet', parallelism: 5, children });
}

async function sql<R extends object = Record<string, unknown>>(
  db: TestDatabase,
  text: string,
  values: unknown[] = [],
) {
  const client = new pg.Client(db.superuserUrl);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('postgresStore: a job on it', () => {
  it('runs, and a new store instance resumes it: DONE stays DONE, overrides stay, seq continues', async () => {
    const db = await createDatabase({ label: 'resume' });
    const store = storeOf(db);
    let polls = 0;
    const root = fleet(20, () => (++polls > 30 ? true : undefined));
    const job = createJob({ id: 'upgrade', name: 'Upgrade', root, store });
    await job.tick();
    await job.skip('vm-7', { actor: 'alice', reason: 'decommissioned' });
    await job.setParallelism('fleet', 2, { actor: 'alice' });
    await job.tick();
    const before = job.snapshot();
    await job.close();
    await store.close();

    const again = storeOf(db);
    const resumed = createJob({ id: 'upgrade', name: 'Upgrade', root: fleet(20), store: again });
    await resumed.load();
    expect(resumed.resumed).toEqual({ fromSeq: before.seq, orphans: [] });
    expect(resumed.getTask('vm-7')).toMatchObject({ state: TaskState.SKIPPED });
    expect(resumed.getTask('fleet')).toMatchObject({ parallelism: 2 });
    while (!isDone(resumed.summary().state)) await resumed.tick();
    expect(resumed.summary().state).toBe(TaskState.SUCCESS);
    const events = await again.events('upgrade', 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.find((e) => e.seq === before.seq + 1)?.reason).toBe(`resumed from seq ${before.seq}`);
    await resumed.close();
  });

  it('lists and loads runs from the store alone', async () => {
    const db = await createDatabase({ label: 'list' });
    const store = storeOf(db);
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await store.createRun({ workflow: 'patch', input: { i } })).run);
    expect(made.map((r) => r.id)).toEqual(['patch-1', 'patch-2', 'patch-3']);
    const page = await store.listRuns({ workflow: 'patch', limit: 2 });
    expect(page.runs.map((r) => r.id)).toEqual(['patch-3', 'patch-2']);
    const rest = await store.listRuns({ workflow: 'patch', limit: 2, pageToken: page.nextPageToken });
    expect(rest).toEqual({ runs: [expect.objectContaining({ id: 'patch-1', input: { i: 0 } })] });
    const job = createJob({ run: made[0], name: 'patch', root: fleet(3), store });
    while (!isDone(job.summary().state)) await job.tick();
    const loaded = await store.loadRun('patch-1');
    expect(loaded?.run).toMatchObject({ state: TaskState.SUCCESS, total: 4, owner: expect.any(Object) });
    expect(loaded?.tasks.map((t) => t.id).sort()).toEqual(['fleet', 'vm-0', 'vm-1', 'vm-2']);
    await job.close();
    expect((await store.loadRun('patch-1'))?.run.owner).toBeUndefined();
    expect(await store.listRuns({ states: ['DONE'] })).toMatchObject({ runs: [{ id: 'patch-1' }] });
    expect(await store.pruneRuns('patch', 0)).toBe(1);
    expect(await store.loadRun('patch-1')).toBeUndefined();
  });

  it('keeps text that PostgreSQL cannot hold: U+0000, U+E000, lone surrogates become U+FFFD', async () => {
    const db = await createDatabase({ label: 'text' });
    const store = storeOf(db);
    const odd = 'a\0b\uE000c\uE0000';
    const root = callbackTask({
      id: `vm\0${odd}`,
      name: odd,
      labels: { [odd]: odd },
      poll: () => ({ message: `${odd}\uD800` }),
    });
    const job = createJob({ id: `job-${odd}`, name: odd, root, store });
    await job.tick();
    await job.pause(`vm\0${odd}`, { actor: odd, reason: odd });
    await job.close();
    const stored = await store.loadRun(`job-${odd}`);
    expect(stored?.run.name).toBe(odd);
    expect(stored?.tasks[0]).toMatchObject({
      id: `vm\0${odd}`,
      name: odd,
      labels: { [odd]: odd },
      message: `${odd}\uFFFD`,
    });
    const events = await store.events(`job-${odd}`, 0);
    expect(events.at(-1)).toMatchObject({ actor: odd, reason: odd, taskId: `vm\0${odd}` });
  });
});

describe('postgresStore: who owns a run', () => {
  it('a second store instance is refused while the first holds the run; takeOver fences the first', async () => {
    const db = await createDatabase({ label: 'fence' });
    const first = storeOf(db);
    const job = createJob({ id: 'drain', name: 'Drain', root: fleet(10, () => undefined), store: first });
    await job.tick();
    const second = storeOf(db);
    const rival = createJob({ id: 'drain', name: 'Drain', root: fleet(10), store: second });
    await expect(rival.load()).rejects.toMatchObject({
      code: 'RNR_ERR_JOB_LOCKED',
      message: expect.stringMatching(/owned by pid \d+@.* since .*takeOver/),
    });
    const seq = job.seq;

    const taker = storeOf(db, { takeOver: true });
    const taken = createJob({ id: 'drain', name: 'Drain', root: fleet(10), store: taker });
    await taken.load();
    const [row] = await sql<{ epoch: string; owner: string }>(
      db,
      'SELECT epoch, owner_process AS owner FROM rnr.runs WHERE id = $1',
      ['drain'],
    );
    const { epoch, owner } = row!;
    expect(Number(epoch)).toBe(2);
    // The old owner's next commit changes nothing and says why.
    await expect(job.pause('vm-1', { actor: 'bob' })).rejects.toMatchObject({ code: 'RNR_ERR_LEASE_LOST' });
    const events = await taker.events('drain', 0);
    expect(events.some((e) => e.action === 'pause')).toBe(false);
    expect(events.at(-1)).toMatchObject({ seq: seq + 1, reason: `resumed from seq ${seq}` });
    expect(owner).not.toBe('');
    await taken.close();
    await job.close();
  });

  it('takes over a run whose owner on this machine is gone, or whose lease lapsed; respects one elsewhere', async () => {
    const db = await createDatabase({ label: 'owners' });
    const store = storeOf(db);
    for (const id of ['gone', 'lapsed', 'elsewhere'])
      await createJob({ id, name: id, root: fleet(1), store }).load();
    await store.close();
    // Owners as a crashed process leaves them: a dead pid on this machine (its lease still
    // running), a process elsewhere whose lease lapsed, and one elsewhere whose lease runs.
    const here = newProcess();
    await sql(
      db,
      `INSERT INTO rnr.processes (id, host, pid, boot_id, pid_namespace, lease_expires_at)
        VALUES ('dead', $1, 2147483646, $2, $3, now() + interval '1 hour')`,
      [here.host, here.bootId, here.pidNamespace],
    );
    await sql(
      db,
      `INSERT INTO rnr.processes (id, host, pid, lease_expires_at) VALUES
        ('stale', 'ops-6.example', 1, now() - interval '1 s'),
        ('far', 'ops-7.example', 1, now() + interval '1 hour')`,
    );
    await sql(
      db,
      `UPDATE rnr.runs SET owner_process = CASE id WHEN 'gone' THEN 'dead' WHEN 'lapsed' THEN 'stale' ELSE 'far' END,
      owned_since = now()`,
    );

    const next = storeOf(db);
    await createJob({ id: 'gone', name: 'gone', root: fleet(1), store: next }).load();
    await createJob({ id: 'lapsed', name: 'lapsed', root: fleet(1), store: next }).load();
    await expect(
      createJob({ id: 'elsewhere', name: 'x', root: fleet(1), store: next }).load(),
    ).rejects.toMatchObject({
      code: 'RNR_ERR_JOB_LOCKED',
      message: expect.stringContaining('owned by pid 1@ops-7.example'),
    });
  });

  it('close() gives every run back', async () => {
    const db = await createDatabase({ label: 'close' });
    const store = storeOf(db);
    await createJob({ id: 'a', name: 'a', root: fleet(1), store }).load();
    await store.close();
    expect(await sql(db, 'SELECT owner_process FROM rnr.runs')).toEqual([{ owner_process: null }]);
    expect(await sql(db, 'SELECT id FROM rnr.processes')).toEqual([]);
    await expect(store.listRuns()).rejects.toMatchObject({ code: 'RNR_ERR_STORE_CLOSED' });
  });
});

describe('postgresStore: a commit', () => {
  it('writes a whole tick as one transaction, and refuses a batch that does not continue the log', async () => {
    const db = await createDatabase({ label: 'batch' });
    const store = storeOf(db);
    const job = createJob({ id: 'big', name: 'big', root: fleet(300), store });
    await job.load();
    while (!isDone(job.summary().state)) await job.tick();
    const events = await store.events('big', 0);
    expect(events).toHaveLength(job.seq);
    const opened = await store.loadRun('big');
    // A batch that skips a seq is refused whole.
    await expect(
      store.commit({
        run: { ...opened!.run, seq: job.seq + 2 },
        tasks: [],
        events: [{ ...events[0]!, seq: job.seq + 2 }],
      }),
    ).rejects.toMatchObject({ code: 'RNR_ERR_INTERNAL' });
    await job.close();
  });
});

describe('postgresStore: options and schemas', () => {
  it('takes postgres:// and postgresql:// URLs, a schema of its choosing, and never shows the password', async () => {
    const db = await createDatabase({ label: 'urls' });
    const password = decodeURIComponent(new URL(db.url).password);
    const a = storeOf(db.url.replace(/^postgres:/, 'postgresql:'));
    const b = storeOf(`${db.url}?schema=ops_b`);
    const c = storeOf(db.url, { schema: 'ops_c' });
    for (const store of [a, b, c]) {
      await store.ready();
      expect(store.description).not.toContain(password);
      expect(store.description).toMatch(/^postgres:\/\/rnr@127\.0\.0\.1:\d+\/\S+ \(schema \w+\)$/);
    }
    expect([a.schema, b.schema, c.schema]).toEqual(['rnr', 'ops_b', 'ops_c']);
    await b.createRun({ workflow: 'only-in-b' });
    expect((await c.listRuns()).runs).toEqual([]);
    expect((await b.listRuns()).runs).toHaveLength(1);
  });

  it('refuses bad options naming the problem, the password hidden', () => {
    expect(() => postgresStore('mysql://u:hunter2@h/db')).toThrow(
      expect.objectContaining({
        code: 'RNR_ERR_INVALID_OPTION',
        message: expect.not.stringContaining('hunter2'),
      }),
    );
    expect(() => postgresStore('postgres://u:hunter2@h/db', { schema: 'Rnr; DROP' })).toThrow(/schema/);
    expect(() => postgresStore('postgres://u:hun%ZZter2@h/db')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hun') }),
    );
    expect(() => postgresStore({ max: 0 })).toThrow(/max/);
  });
});

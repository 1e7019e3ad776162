// The run host on a shared PostgreSQL store, in one process with a real server: a run whose commit
// is refused under a stale epoch leaves the process at once; a process that misses its renewal
// deadline (its event loop frozen) aborts its polls, starts none, drops every run, gives them back
// and takes them again with a new epoch; a full process leaves a new run for one with room.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { callbackTask, nestedTask, type Store, systemClock, workflow } from '../../src/index.js';
import { createRunHost } from '../../src/runs/index.js';
import { type PostgresStore, postgresStore } from '../../src/store/postgres/index.js';
import { createDatabase } from '../fixtures/postgres/index.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close().catch(() => undefined);
});

/** Polls of the endless workflow, by run; the signals of the polls in flight. */
function endless(pollMs = 30) {
  const polls: string[] = [];
  const aborted: string[] = [];
  const wf = workflow({
    name: 'endless',
    pollIntervalMs: 20,
    build: (_input, ctx) =>
      nestedTask({
        name: 'endless',
        children: [
          callbackTask({
            name: 'wait',
            poll: ({ signal }) => {
              polls.push(ctx.run.id);
              // Answers after pollMs unless aborted first.
              return new Promise((resolve) => {
                const timer = setTimeout(() => resolve({ message: `poll ${polls.length}` }), pollMs);
                signal.addEventListener('abort', () => {
                  clearTimeout(timer);
                  aborted.push(ctx.run.id);
                  resolve({ message: 'aborted' });
                });
              });
            },
          }),
        ],
      }),
  });
  return { wf, polls, aborted };
}

function host(store: Store, wf: ReturnType<typeof endless>['wf'], cluster?: { maxRuns?: number }) {
  const lines: string[] = [];
  const runs = createRunHost({
    workflows: [wf],
    store,
    clock: systemClock,
    log: (line) => lines.push(line),
    ...(cluster && { cluster }),
  });
  opened.push(runs);
  return { runs, lines };
}

function store(url: string, options: { leaseMs?: number; takeOver?: boolean } = {}): PostgresStore {
  const s = postgresStore(url, options);
  opened.push(s);
  return s;
}

/** Resolves once `check()` holds, checked after every renewal of `s`'s leases. */
function afterRenewals(s: PostgresStore, what: string, check: () => boolean, max = 50): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const stop = s.cluster.watch({
      renewed: () => {
        if (check()) {
          stop();
          resolve();
        } else if (++n >= max) {
          stop();
          reject(new Error(`${what}: not after ${max} renewals`));
        }
      },
    });
  });
}

const until = async (what: string, check: () => boolean, s: PostgresStore) => {
  if (!check()) await afterRenewals(s, what, check);
};

describe('run host on a shared PostgreSQL store', () => {
  it('a commit refused RNR_ERR_LEASE_LOST takes the run out of this process at once', async () => {
    const db = await createDatabase({ label: 'host-lost' });
    const { wf, polls } = endless();
    const a = store(db.url, { leaseMs: 2000 });
    const { runs, lines } = host(a, wf, {});
    await runs.joinCluster();
    const { summary } = await runs.start('endless');
    expect(summary.owner).toEqual({ process: a.cluster.process, epoch: 1 });
    await until('a polls', () => polls.length >= 2, a);

    // Another store instance takes the run by force (a new epoch): a's next commit is refused.
    const b = store(db.url, { takeOver: true });
    const taken = await b.openRun((await b.loadRun(summary.id))?.run ?? summary);
    expect(taken.fence?.epoch).toBe(2);
    await until('a drops the run', () => runs.live(summary.id) === undefined, a);
    expect(lines.join('\n')).toMatch(
      /run endless-1: another process owns it now \(RNR_ERR_LEASE_LOST\); stopped here/,
    );
    const count = polls.length;
    // Two renewals later a has polled nothing more, and reads the run as b's.
    let renewals = 0;
    await afterRenewals(a, 'two renewals', () => ++renewals >= 2);
    expect(polls.length).toBe(count);
    expect((await runs.summary(summary.id)).owner).toEqual({ process: taken.fence?.process, epoch: 2 });
  }, 30_000);

  it('past its renewal deadline a process aborts its polls, starts none, and takes its runs again with a new epoch', async () => {
    const db = await createDatabase({ label: 'host-lapse' });
    // A poll that stays in flight until aborted.
    const { wf, polls, aborted } = endless(60_000);
    const a = store(db.url, { leaseMs: 1500 });
    const { runs, lines } = host(a, wf, {});
    await runs.joinCluster();
    const { summary } = await runs.start('endless');
    await until('a poll in flight', () => polls.length >= 1, a);
    expect(a.cluster.holdsLeases()).toBe(true);

    // The event loop frozen past the deadline (10/15 of the lease): as a stopped or starved process.
    const frozen = performance.now();
    while (performance.now() - frozen < 1100);
    expect(a.cluster.holdsLeases()).toBe(false);
    const before = polls.length;
    // The first timer that fires (a tick, a renewal, the deadline) finds the deadline gone.
    await new Promise<void>((resolve) => {
      const stop = a.cluster.watch({
        lapsed: () => {
          stop();
          resolve();
        },
      });
    });
    expect(runs.live(summary.id)).toBeUndefined();
    expect(aborted).toContain(summary.id);
    expect(polls.length).toBe(before);
    expect(lines.join('\n')).toMatch(/run endless-1: this process did not renew its lease in time/);

    // The next renewal gives the run back; the claim loop takes it again, as a new owner would.
    await until('taken again', () => runs.live(summary.id) !== undefined, a);
    expect(lines.join('\n')).toMatch(/took over run endless-1/);
    const again = await runs.summary(summary.id);
    expect(again.owner?.epoch).toBe(2);
    await until('polling again', () => polls.length > before, a);
  }, 30_000);

  it('a process at --max-runs leaves a new run unowned, and a process with room takes it', async () => {
    const db = await createDatabase({ label: 'host-place' });
    const { wf } = endless();
    const a = store(db.url, { leaseMs: 2000 });
    const b = store(db.url, { leaseMs: 2000 });
    const one = host(a, wf, { maxRuns: 1 });
    const other = host(b, wf, { maxRuns: 5 });
    await one.runs.joinCluster();
    const first = await one.runs.start('endless');
    expect(first.summary.owner?.process).toBe(a.cluster.process);
    const second = await one.runs.start('endless');
    expect(second.summary.owner).toBeUndefined();
    await other.runs.joinCluster();
    await until('b took the second run', () => other.runs.live(second.summary.id) !== undefined, b);
    expect((await one.runs.summary(second.summary.id)).owner?.process).toBe(b.cluster.process);
    const processes = await a.cluster.processes();
    expect(processes.map((p) => [p.id, p.runs, p.workflows])).toEqual([
      [a.cluster.process, 1, ['endless']],
      [b.cluster.process, 1, ['endless']],
    ]);
    expect(processes[0]?.pid).toBe(process.pid);
  }, 30_000);
});

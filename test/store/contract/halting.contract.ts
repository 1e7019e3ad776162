/**
 * The contract of a failed commit (docs/durability.md, "When a commit fails"): the job halts —
 * nothing published, no ticks or polls, operator actions refused, reads say why — its state goes
 * back to what is durable, and it recovers on its own clock once commits succeed again, losing
 * nothing that was acknowledged. Run against every store (wrapped to fail on demand).
 */
import { callbackTask, createJob, type Job, nestedTask, type TaskEvent, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type FailingStore, failingStore } from '../../fixtures/failing-store.js';
import { closeStore, type StoreFactory } from './factories.js';

const code = (c: string) => expect.objectContaining({ code: c });

/** A fleet of `n` leaves whose polls are counted, finishing when `done` says; parallelism 2. */
function fleet(polls: Map<string, number>, n = 4, done: (id: string) => boolean = () => false) {
  return nestedTask({
    id: 'fleet',
    name: 'fleet',
    parallelism: 2,
    children: Array.from({ length: n }, (_, i) =>
      callbackTask({
        id: `vm-${i}`,
        name: `vm-${i}`,
        poll: (ctx) => {
          polls.set(ctx.task.id, (polls.get(ctx.task.id) ?? 0) + 1);
          return done(ctx.task.id) ? true : undefined;
        },
      }),
    ),
  });
}

interface World {
  job: Job;
  store: FailingStore;
  clock: TestClock;
  polls: Map<string, number>;
  published: TaskEvent[];
  close(): Promise<void>;
}

async function world(factory: StoreFactory, done?: (id: string) => boolean): Promise<World> {
  const location = await factory.location();
  const inner = location.open();
  const store = failingStore(inner);
  const clock = new TestClock();
  const polls = new Map<string, number>();
  const job = createJob({
    id: 'halt',
    name: 'halt',
    root: fleet(polls, 4, done),
    store,
    clock,
    pollIntervalMs: 100,
  });
  const published: TaskEvent[] = [];
  job.subscribe((e) => published.push(e));
  await job.load();
  return {
    job,
    store,
    clock,
    polls,
    published,
    close: async () => {
      await job.close();
      await closeStore(factory, inner);
    },
  };
}

/**
 * Moves the job's clock on, then waits until the store answered what that set off: a network
 * store's I/O takes real time, more than the event-loop turns TestClock.advance waits.
 */
async function advance(w: World, ms: number): Promise<void> {
  await w.clock.advance(ms);
  await w.store.idle();
}

/** Polls made so far, all tasks together. */
const polled = (polls: Map<string, number>) => [...polls.values()].reduce((a, b) => a + b, 0);

/** Registers the halting tests for one kind of store. */
export function haltingContract(factory: StoreFactory): void {
  describe(`${factory.name}: a job whose commit fails`, () => {
    it('halts: nothing published, no ticks or polls, operator actions refused, reads say why', async () => {
      const w = await world(factory);
      await w.job.start();
      await advance(w, 100); // vm-0 and vm-1 start and are polled
      const stored = w.store.commits;
      const before = w.job.snapshot();
      w.store.failing = 'refused';
      await expect(w.job.pause('vm-0')).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      const halted = w.job.halted;
      expect(halted).toMatchObject({
        code: 'RNR_ERR_STORE_IO',
        message: expect.stringContaining('disk full'),
        since: w.clock.now(),
        retryAt: w.clock.now() + 1000,
      });
      expect(w.job.summary().halted).toEqual(halted);
      expect(w.job.snapshot().halted).toEqual(halted);
      // The refused pause changed nothing, in memory or in the store.
      const { halted: _h, ...now } = w.job.snapshot();
      expect(now).toEqual(before);
      expect(w.job.getTask('vm-0').paused).toBe(false);
      expect(w.published.some((e) => e.action === 'pause')).toBe(false);
      expect((await w.job.events()).some((e) => e.action === 'pause')).toBe(false);
      // Nothing ticks or polls while halted; actions are refused at once; the log stays as it was.
      const polls = polled(w.polls);
      const seq = w.job.seq;
      await advance(w, 900);
      expect(polled(w.polls)).toBe(polls);
      expect(w.job.seq).toBe(seq);
      await expect(w.job.skip('vm-1')).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      await expect(w.job.tick()).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      expect(w.store.commits).toBe(stored);
      // Bad input is still bad input, at once.
      expect(() => w.job.skip('nope')).toThrow(code('RNR_ERR_TASK_NOT_FOUND'));
      await w.close();
    });

    it('aborts polls in flight when it halts; their late results are discarded', async () => {
      const location = await factory.location();
      const inner = location.open();
      const store = failingStore(inner);
      const clock = new TestClock();
      const signals: AbortSignal[] = [];
      let release: (v: boolean) => void = () => {};
      const job = createJob({
        id: 'inflight',
        name: 'inflight',
        clock,
        store,
        root: nestedTask({
          id: 'r',
          name: 'r',
          parallelism: 2,
          children: [
            callbackTask({ id: 'fast', name: 'fast', poll: () => true }),
            callbackTask({
              id: 'slow',
              name: 'slow',
              poll: (ctx) => {
                signals.push(ctx.signal);
                return new Promise<boolean>((resolve) => {
                  release = resolve;
                });
              },
            }),
          ],
        }),
      });
      await job.load();
      store.failing = 'refused';
      const tick = job.tick(); // fast's SUCCESS commit fails while slow's poll is in flight
      await expect(tick).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      expect(signals[0]?.aborted).toBe(true);
      release(true);
      await Promise.resolve();
      expect(job.getTask('slow').state).toBe(TaskState.PENDING); // back to what is durable
      expect(job.getTask('fast').state).toBe(TaskState.PENDING);
      await job.close();
      await closeStore(factory, inner);
    });

    it('retries with backoff on its clock and carries on once commits succeed, losing nothing acknowledged', async () => {
      const finished = new Set<string>();
      const w = await world(factory, (id) => finished.has(id));
      await w.job.start();
      await advance(w, 100);
      const acked = await w.job.skip('vm-3', { actor: 'ana', reason: 'gone' });
      expect(acked.state).toBe(TaskState.SKIPPED);
      w.store.failing = 'refused';
      finished.add('vm-0');
      await advance(w, 100); // vm-0's SUCCESS cannot be committed: halted
      expect(w.job.halted?.retryAt).toBe(w.clock.now() + 1000);
      expect(w.job.getTask('vm-0').state).toBe(TaskState.RUNNING); // the durable state
      await advance(w, 1000); // the first retry fails: the next one 2 s later
      expect(w.job.halted?.retryAt).toBe(w.clock.now() + 2000);
      await advance(w, 2000);
      expect(w.job.halted?.retryAt).toBe(w.clock.now() + 4000);
      const failures = w.store.failures;
      w.store.failing = false;
      await advance(w, 4000); // the retry succeeds: a SYSTEM event says so, ticking resumes
      expect(w.store.failures).toBe(failures);
      expect(w.job.halted).toBeUndefined();
      expect(w.job.summary().halted).toBeUndefined();
      const recovered = w.published.at(-1);
      expect(recovered).toMatchObject({
        taskId: 'fleet',
        cause: 3,
        reason: expect.stringMatching(/^halted for 7\.0 s: /),
      });
      finished.add('vm-1');
      finished.add('vm-2');
      for (let i = 0; i < 10 && w.job.summary().state !== TaskState.SUCCESS; i++) await advance(w, 100);
      expect(w.job.summary().state).toBe(TaskState.SUCCESS);
      // Nothing acknowledged or published is missing, and seq never gapped or repeated.
      const log = await w.job.events();
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(w.published).toEqual(log);
      expect(log.some((e) => e.taskId === 'vm-3' && e.action === 'skip' && e.actor === 'ana')).toBe(true);
      expect(w.job.getTask('vm-3').state).toBe(TaskState.SKIPPED);
      await w.close();
    });

    it('caps the wait between retries at 30 s', async () => {
      const w = await world(factory);
      await w.job.tick();
      w.store.failing = 'refused';
      await expect(w.job.pause('vm-0')).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      for (let i = 0; i < 8; i++) await advance(w, (w.job.halted?.retryAt ?? 0) - w.clock.now());
      expect((w.job.halted?.retryAt ?? 0) - w.clock.now()).toBe(30_000);
      expect(w.job.halted?.since).toBeLessThan(w.clock.now());
      await w.close();
    });

    it('an operator action whose own commit fails changes nothing, and the job recovers without it', async () => {
      const w = await world(factory);
      await w.job.tick();
      const seq = w.job.seq;
      w.store.failing = 'refused';
      await expect(w.job.setTaskState('vm-0', 'FAILED', { actor: 'bob' })).rejects.toThrow(
        code('RNR_ERR_STORE_IO'),
      );
      expect(w.job.getTask('vm-0').state).toBe(TaskState.RUNNING);
      expect(w.job.seq).toBe(seq);
      w.store.failing = false;
      await advance(w, 1000);
      expect(w.job.halted).toBeUndefined();
      const log = await w.job.events();
      expect(log.some((e) => e.actor === 'bob')).toBe(false);
      expect(w.job.getTask('vm-0').state).toBe(TaskState.RUNNING);
      // And acts again once recovered.
      expect((await w.job.setTaskState('vm-0', 'FAILED', { actor: 'bob' })).state).toBe(TaskState.FAILED);
      await w.close();
    });

    it('when a failed commit landed after all (outcome unknown), recovers from the store without reusing a seq', async () => {
      const w = await world(factory);
      await w.job.tick();
      w.store.failing = 'landed';
      await expect(w.job.pause('vm-0', { actor: 'cy' })).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      // Memory shows what it knows to be durable; the store has the pause.
      expect(w.job.getTask('vm-0').paused).toBe(false);
      w.store.failing = false;
      await advance(w, 1000);
      expect(w.job.halted).toBeUndefined();
      expect(w.job.getTask('vm-0').paused).toBe(true); // reloaded from the store
      const log = await w.job.events();
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.filter((e) => e.action === 'pause')).toHaveLength(1);
      expect(w.job.seq).toBe(log.length);
      await w.close();
    });

    it('keeps trying while the store cannot even be read', async () => {
      const w = await world(factory);
      await w.job.tick();
      w.store.failing = 'refused';
      w.store.reads = true;
      await expect(w.job.pause('vm-0')).rejects.toThrow(code('RNR_ERR_STORE_IO'));
      await advance(w, 1000);
      await advance(w, 2000);
      expect(w.job.halted?.message).toContain('unreachable');
      w.store.failing = false;
      await advance(w, 4000);
      expect(w.job.halted).toBeUndefined();
      await w.close();
    });

    it('stops for good when another process took the run over: RNR_ERR_LEASE_LOST', async () => {
      const location = await factory.location();
      const inner = location.open();
      const clock = new TestClock();
      const polls = new Map<string, number>();
      const job = createJob({
        id: 'lost',
        name: 'lost',
        root: fleet(polls),
        store: inner,
        clock,
        pollIntervalMs: 100,
      });
      await job.start();
      await clock.advance(100);
      // Another process takes the run over (its owner looked gone): its open moves the epoch on.
      const other = factory.durable ? location.open() : inner;
      await inner.releaseRun('lost');
      const theirs = await other.openRun((await other.loadRun('lost'))?.run as never);
      await expect(job.pause('vm-0')).rejects.toThrow(code('RNR_ERR_LEASE_LOST'));
      expect(job.halted).toMatchObject({ code: 'RNR_ERR_LEASE_LOST' });
      expect(job.halted?.retryAt).toBeUndefined();
      const count = polled(polls);
      await clock.advance(60_000);
      expect(polled(polls)).toBe(count);
      await expect(job.skip('vm-1')).rejects.toThrow(code('RNR_ERR_LEASE_LOST'));
      expect((await other.loadRun('lost'))?.run.seq).toBe(theirs.run.seq);
      await job.close();
      await closeStore(factory, other);
      await closeStore(factory, inner);
    });
  });
}

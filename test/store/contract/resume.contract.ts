/**
 * The contract of restarting: a job created again with the same id on the same store resumes
 * (docs/durability.md, "Resume"). Run against every store by contract.test.ts.
 */
import {
  callbackTask,
  createJob,
  EventCause,
  nestedTask,
  type PollFn,
  type Store,
  type TaskEvent,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { closeStore, restart, type StoreFactory } from './factories.js';

/** A workflow whose polls are counted, so a test can tell which tasks were polled again. */
function fleet(polls: Map<string, number>, behaviour: Record<string, PollFn>) {
  const leaf = (id: string) =>
    callbackTask({
      id,
      name: id,
      poll: (ctx) => {
        polls.set(id, (polls.get(id) ?? 0) + 1);
        return behaviour[id]?.(ctx);
      },
    });
  return nestedTask({
    id: 'fleet',
    name: 'fleet',
    parallelism: 2,
    children: Object.keys(behaviour).map(leaf),
  });
}

/** Registers the restart and resume tests for one kind of store. */
export function resumeContract(factory: StoreFactory): void {
  describe(`a job on ${factory.name}, stopped and created again with the same id`, () => {
    it('keeps DONE, skips, pauses, parallelism and approvals; polls RUNNING tasks again; seq continues', async () => {
      const location = await factory.location();
      const polls = new Map<string, number>();
      let finishB = false;
      const first = {
        a: () => true,
        b: (ctx: Parameters<PollFn>[0]) => (ctx.approval ? (finishB ? true : undefined) : 'ACTION_PENDING'),
        c: () => undefined,
        d: () => true,
        e: () => true,
      } satisfies Record<string, PollFn>;

      const store = location.open();
      const job = createJob({ id: 'upgrade', name: 'Upgrade', root: fleet(polls, first), store });
      expect(job.resumed).toBeUndefined();
      await job.tick(); // starts a and b: a SUCCESS, b ACTION_PENDING
      await job.skip('c', { actor: 'alice', reason: 'decommissioned' });
      await job.pause('d', { actor: 'alice', reason: 'wait for the window' });
      await job.setParallelism('fleet', 3, { actor: 'alice' });
      await job.approve('b', { actor: 'bob', reason: 'change 42' });
      await job.tick(); // b polled (approved, keeps running); e starts and succeeds; d stays paused
      expect(job.getTask('e').state).toBe(TaskState.SUCCESS);
      const before = await job.events();
      const seq = job.seq;
      await job.close();

      // The workflow changed meanwhile: e is gone, f is new.
      const { e: _gone, ...kept } = first;
      const second = { ...kept, f: () => true };
      const pollsBefore = new Map(polls);
      const reopened = await restart(factory, location, store);
      const again = createJob({
        id: 'upgrade',
        name: 'Upgrade',
        root: fleet(polls, second),
        store: reopened,
      });
      await again.load();
      expect(again.resumed).toEqual({ fromSeq: seq, orphans: ['e'] });
      expect(await again.events(0, seq)).toEqual(before);
      expect((await again.events(seq)).every((e) => e.seq > seq)).toBe(true);
      expect(again.getTask('a').state).toBe(TaskState.SUCCESS);
      expect(again.getTask('c')).toMatchObject({ state: TaskState.SKIPPED });
      expect(again.getTask('d')).toMatchObject({ state: TaskState.PENDING, paused: true });
      expect(again.getTask('fleet', { depth: 0 }).parallelism).toBe(3);
      expect(again.getTask('b')).toMatchObject({ state: TaskState.RUNNING, approval: { by: 'bob' } });
      expect(again.getTask('f').state).toBe(TaskState.PENDING);

      const fresh: TaskEvent[] = [];
      again.subscribe((e) => fresh.push(e));
      finishB = true;
      await again.tick();
      expect(polls.get('a')).toBe(pollsBefore.get('a'));
      expect(polls.get('b')).toBe((pollsBefore.get('b') ?? 0) + 1);
      expect(again.getTask('b').state).toBe(TaskState.SUCCESS); // no second approval asked
      expect(again.getTask('f').state).toBe(TaskState.SUCCESS);
      expect(again.getTask('d').state).toBe(TaskState.PENDING);

      await again.resume('d', { actor: 'alice' });
      while (again.getTask('fleet', { depth: 0 }).state === TaskState.RUNNING) await again.tick();
      expect(again.getTask('fleet', { depth: 0 }).state).toBe(TaskState.SUCCESS);
      expect(fresh.map((e) => e.seq)).toEqual(fresh.map((_, i) => seq + 2 + i));
      // The orphan's history stays in the log.
      const log = await again.events();
      expect(log.some((e) => e.taskId === 'e' && e.to === TaskState.SUCCESS)).toBe(true);
      const operator = log.filter((e) => e.cause === EventCause.OPERATOR);
      expect(operator.map((e) => [e.taskId, e.action, e.actor])).toEqual([
        ['c', 'skip', 'alice'],
        ['d', 'pause', 'alice'],
        ['fleet', 'parallelism', 'alice'],
        ['b', 'approve', 'bob'],
        ['d', 'resume', 'alice'],
      ]);
      await again.close();
      await closeStore(factory, reopened);
    });

    it('a finished job resumes finished: nothing is polled', async () => {
      const location = await factory.location();
      const polls = new Map<string, number>();
      const behaviour = { a: () => true, b: () => 'SKIPPED' as const };
      const store = location.open();
      const job = createJob({ id: 'done', name: 'Done', root: fleet(polls, behaviour), store });
      expect(await job.run()).toBe(TaskState.SUCCESS);
      await job.close();

      const reopened = await restart(factory, location, store);
      const again = createJob({ id: 'done', name: 'Done', root: fleet(polls, behaviour), store: reopened });
      const counted = new Map(polls);
      await again.tick();
      expect(polls).toEqual(counted);
      expect(again.getTask('b').state).toBe(TaskState.SKIPPED);
      expect(await again.run()).toBe(TaskState.SUCCESS);
      await again.close();
      await closeStore(factory, reopened);
    });

    it('carries poll-error counts and attempts across a restart', async () => {
      const location = await factory.location();
      let store: Store = location.open();
      const flaky = () =>
        nestedTask({
          id: 'fleet',
          name: 'fleet',
          children: [
            callbackTask({
              id: 'flaky',
              name: 'flaky',
              retries: 2,
              poll: () => {
                throw new Error('connection refused');
              },
            }),
          ],
        });
      const reopen = async (work: (job: ReturnType<typeof createJob>) => Promise<void>) => {
        const job = createJob({ id: 'flaky', name: 'Flaky', root: flaky(), store });
        await job.load();
        await work(job);
        await job.close();
        store = await restart(factory, location, store);
      };
      await reopen(async (job) => {
        await job.tick();
        await job.tick();
        expect(job.getTask('flaky')).toMatchObject({
          state: TaskState.RUNNING,
          message: expect.stringContaining('2/2'),
        });
      });
      await reopen(async (job) => {
        await job.tick(); // the third consecutive error, not the first
        expect(job.getTask('flaky')).toMatchObject({ state: TaskState.FAILED, attempt: 0 });
        await job.retry('flaky', { actor: 'alice' });
      });
      await reopen(async (job) => {
        expect(job.getTask('flaky').attempt).toBe(1);
        expect(job.getTask('flaky').state).not.toBe(TaskState.FAILED);
      });
      await closeStore(factory, store);
    });

    it('a second process cannot run the same job while the first holds it', async () => {
      const location = await factory.location();
      const store = location.open();
      const root = nestedTask({ id: 'fleet', name: 'fleet', children: [] });
      const job = createJob({ id: 'solo', name: 'Solo', root, store });
      await job.tick();
      const other = location.open();
      const refused = createJob({ id: 'solo', name: 'Solo', root, store: other });
      await expect(refused.load()).rejects.toThrow(expect.objectContaining({ code: 'RNR_ERR_JOB_LOCKED' }));
      await expect(refused.tick()).rejects.toThrow(expect.objectContaining({ code: 'RNR_ERR_JOB_LOCKED' }));
      await refused.close();
      await job.close();
      const second = createJob({ id: 'solo', name: 'Solo', root, store: other });
      await second.load();
      expect(second.resumed?.fromSeq).toBe(job.seq);
      await second.close();
      await closeStore(factory, other);
      await closeStore(factory, store);
    });

    it('keeps a pending automatic retry: it starts on time after the restart', async () => {
      const location = await factory.location();
      const clock = new TestClock();
      let polls = 0;
      const open = (store: Store) =>
        createJob({
          id: 'durable-retry',
          name: 'durable-retry',
          clock,
          store,
          root: nestedTask({
            name: 'root',
            children: [
              callbackTask({
                id: 'leaf',
                name: 'leaf',
                retry: { attempts: 2, backoff: { initialMs: 60_000 } },
                poll: (ctx) => {
                  polls++;
                  if (ctx.task.attempt === 0) throw new Error('first try fails');
                  return true;
                },
              }),
            ],
          }),
        });
      let store = location.open();
      const first = open(store);
      await first.tick();
      const retryAt = first.getTask('leaf').retryAt;
      expect(retryAt).toBe(clock.now() + 60_000);
      await first.close();

      store = await restart(factory, location, store);
      const second = open(store);
      await second.load();
      expect(second.getTask('leaf')).toMatchObject({ state: TaskState.RUNNING, attempt: 0, retryAt });
      await clock.advance(30_000);
      await second.tick();
      expect(polls).toBe(1);
      await clock.advance(30_000);
      await second.tick();
      expect(polls).toBe(2);
      expect(second.getTask('leaf')).toMatchObject({ state: TaskState.SUCCESS, attempt: 1 });
      const events = await second.events();
      expect(events.filter((e) => e.retryAt !== undefined).map((e) => e.retryAt)).toEqual([retryAt]);
      await second.close();
      await closeStore(factory, store);
    });
  });
}

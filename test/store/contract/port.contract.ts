/**
 * The contract of owning and reading a run through the store port (src/engine/store.ts): opening
 * claims and reads, commits are whole and fenced, seq continues and is never reused, events page
 * by seq, loadRun reads without a claim. Run against every store by contract.test.ts.
 */
import { EventCause, TaskKind, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
import { runRecord, taskEvent, taskRecord } from '../../fixtures/store-helpers.js';
import { closeStore, restart, type StoreFactory } from './factories.js';

const code = (c: string) => expect.objectContaining({ code: c });

/** Registers the store-port tests for one kind of store. */
export function portContract(factory: StoreFactory): void {
  describe(`${factory.name}: owning and reading a run`, () => {
    it('opens an unknown run as new, and keeps its record, tasks and events across a restart', async () => {
      const location = await factory.location();
      const store = location.open();
      const opened = await store.openRun(runRecord('upgrade'));
      expect(opened).toMatchObject({ created: true, tasks: [], run: { id: 'upgrade', seq: 0 } });
      const root = taskRecord('upgrade', {
        kind: TaskKind.NESTED,
        state: TaskState.RUNNING,
        parallelism: 3,
        parallelismSet: true,
        failFast: true,
        paused: true,
        labels: { team: 'infra' },
        startedAt: 1_100,
      });
      const leaf = taskRecord('upgrade/vm-1', {
        parentId: 'upgrade',
        index: 4,
        state: TaskState.SKIPPED,
        approval: { by: 'alice', at: 1_200, reason: 'looks fine' },
        attempt: 2,
        pollErrors: 1,
        stateSetByOperator: true,
        finishedAt: 1_300,
        machineSnapshot: { status: 'active', value: { deploy: 'waiting' } },
      });
      const events = [
        taskEvent('upgrade', 1),
        taskEvent('upgrade', 2, {
          taskId: 'upgrade/vm-1',
          to: TaskState.SKIPPED,
          cause: EventCause.OPERATOR,
          actor: 'alice',
          action: 'skip',
        }),
      ];
      const summary = runRecord('upgrade', 2, {
        state: TaskState.RUNNING,
        startedAt: 1_100,
        total: 2,
        counts: { ...runRecord().counts, RUNNING: 1, SKIPPED: 1 },
      });
      await store.commit({ run: summary, tasks: [root, leaf], events, ...fenceOf(opened) });
      await store.releaseRun('upgrade');

      const again = await restart(factory, location, store);
      const reopened = await again.openRun(runRecord('upgrade'));
      expect(reopened.created).toBe(false);
      expect(reopened.run).toEqual(summary);
      expect([...reopened.tasks].sort((a, b) => a.id.localeCompare(b.id))).toEqual([root, leaf]);
      expect(await again.events('upgrade', 0)).toEqual(events);
      await closeStore(factory, again);
    });

    it('updates a task in place: the latest commit wins', async () => {
      const store = (await factory.location()).open();
      const opened = await store.openRun(runRecord('j'));
      const fence = fenceOf(opened);
      await store.commit({
        run: runRecord('j'),
        tasks: [taskRecord('a'), taskRecord('b')],
        events: [],
        ...fence,
      });
      await store.commit({
        run: runRecord('j'),
        tasks: [taskRecord('a', { state: TaskState.SUCCESS })],
        events: [],
        ...fence,
      });
      const loaded = await store.loadRun('j');
      expect(loaded?.tasks.map((t) => [t.id, t.state]).sort()).toEqual([
        ['a', TaskState.SUCCESS],
        ['b', TaskState.PENDING],
      ]);
      await closeStore(factory, store);
    });

    it('pages the event log by seq, per run', async () => {
      const store = (await factory.location()).open();
      const a = await store.openRun(runRecord('a'));
      const b = await store.openRun(runRecord('b'));
      const log = Array.from({ length: 50 }, (_, i) => taskEvent('a', i + 1));
      await store.commit({ run: runRecord('a', 50), tasks: [], events: log, ...fenceOf(a) });
      await store.commit({ run: runRecord('b', 1), tasks: [], events: [taskEvent('b', 1)], ...fenceOf(b) });
      expect((await store.events('a', 0)).map((e) => e.seq)).toEqual(log.map((e) => e.seq));
      expect((await store.events('a', 10, 5)).map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
      expect(await store.events('a', 50)).toEqual([]);
      expect(await store.events('b', 0)).toEqual([taskEvent('b', 1)]);
      expect(await store.events('unknown', 0)).toEqual([]);
      await closeStore(factory, store);
    });

    it('writes a batch all or nothing: a reused seq refuses the whole batch', async () => {
      const store = (await factory.location()).open();
      const opened = await store.openRun(runRecord('j'));
      const fence = fenceOf(opened);
      await store.commit({
        run: runRecord('j', 1),
        tasks: [taskRecord('a')],
        events: [taskEvent('j', 1)],
        ...fence,
      });
      const bad = {
        run: runRecord('j', 3),
        tasks: [taskRecord('a', { state: TaskState.FAILED })],
        events: [taskEvent('j', 2), taskEvent('j', 1)],
        ...fence,
      };
      await expect(store.commit(bad)).rejects.toThrow(code('RNR_ERR_INTERNAL'));
      expect((await store.events('j', 0)).map((e) => e.seq)).toEqual([1]);
      const loaded = await store.loadRun('j');
      expect(loaded?.run.seq).toBe(1);
      expect(loaded?.tasks[0]?.state).toBe(TaskState.PENDING);
      await closeStore(factory, store);
    });

    it('refuses a second open of a run while it is open: RNR_ERR_JOB_LOCKED', async () => {
      const location = await factory.location();
      const store = location.open();
      await store.openRun(runRecord('j'));
      const other = location.open();
      await expect(other.openRun(runRecord('j'))).rejects.toThrow(code('RNR_ERR_JOB_LOCKED'));
      // Other runs are free, and the run is free once released.
      expect((await other.openRun(runRecord('k'))).created).toBe(true);
      await other.releaseRun('k');
      await store.releaseRun('j');
      expect((await other.openRun(runRecord('j'))).created).toBe(false);
      await closeStore(factory, other);
      await closeStore(factory, store);
    });

    it('fences: a commit under a stale fence is refused with RNR_ERR_LEASE_LOST and changes nothing', async () => {
      const location = await factory.location();
      const first = location.open();
      const mine = await first.openRun(runRecord('j'));
      expect(mine.fence).toBeDefined();
      await first.commit({
        run: runRecord('j', 1),
        tasks: [taskRecord('a')],
        events: [taskEvent('j', 1)],
        ...fenceOf(mine),
      });
      // Another process takes the run over (here: after this one let go), which moves the epoch on.
      await first.releaseRun('j');
      const second = location.open();
      const theirs = await second.openRun(runRecord('j'));
      expect(theirs.fence?.epoch).toBeGreaterThan(mine.fence?.epoch ?? 0);
      const stale = {
        run: runRecord('j', 2, { state: TaskState.FAILED }),
        tasks: [taskRecord('a', { state: TaskState.FAILED })],
        events: [taskEvent('j', 2)],
        ...fenceOf(mine),
      };
      await expect(first.commit(stale)).rejects.toThrow(code('RNR_ERR_LEASE_LOST'));
      const loaded = await second.loadRun('j');
      expect(loaded?.run).toMatchObject({ seq: 1, state: TaskState.PENDING });
      expect(loaded?.tasks.map((t) => t.state)).toEqual([TaskState.PENDING]);
      expect((await second.events('j', 0)).map((e) => e.seq)).toEqual([1]);
      // The owner's own fence works.
      await second.commit({
        run: runRecord('j', 2),
        tasks: [],
        events: [taskEvent('j', 2)],
        ...fenceOf(theirs),
      });
      expect((await second.events('j', 0)).map((e) => e.seq)).toEqual([1, 2]);
      await closeStore(factory, second);
      await closeStore(factory, first);
    });

    it('loadRun reads any run without claiming it; an unknown run is undefined', async () => {
      const location = await factory.location();
      const store = location.open();
      const opened = await store.openRun(runRecord('j'));
      await store.commit({
        run: runRecord('j', 1),
        tasks: [taskRecord('a')],
        events: [taskEvent('j', 1)],
        ...fenceOf(opened),
      });
      const reader = location.open();
      const loaded = await reader.loadRun('j');
      expect(loaded).toMatchObject({
        run: { id: 'j', seq: 1, owner: opened.fence },
        tasks: [taskRecord('a')],
      });
      expect(await reader.loadRun('nope')).toBeUndefined();
      await store.releaseRun('j');
      // loadRun took no claim: the run opens.
      expect((await reader.openRun(runRecord('j'))).run.seq).toBe(1);
      expect((await reader.loadRun('j'))?.run.owner).toBeDefined();
      await closeStore(factory, reader);
      await closeStore(factory, store);
    });

    it('refuses everything once closed: RNR_ERR_STORE_CLOSED', async () => {
      const store = (await factory.location()).open();
      await store.close();
      await store.close();
      await expect(store.openRun(runRecord('x'))).rejects.toThrow(code('RNR_ERR_STORE_CLOSED'));
      await expect(store.listRuns()).rejects.toThrow(code('RNR_ERR_STORE_CLOSED'));
      await expect(store.createRun({ workflow: 'w' })).rejects.toThrow(code('RNR_ERR_STORE_CLOSED'));
    });
  });
}

/** The fence an opened run's commits carry (as the engine sends it). */
function fenceOf(opened: { fence?: { process: string; epoch: number } }) {
  return opened.fence ? { fence: opened.fence } : {};
}

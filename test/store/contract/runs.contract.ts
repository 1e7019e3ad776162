/**
 * The contract of a store's runs: createRun numbers runs per workflow (never reusing a number),
 * enforces concurrency and honours idempotency keys; listRuns pages newest first with filters;
 * pruneRuns keeps the newest finished runs. Run against every store by contract.test.ts.
 */
import { RunTrigger, type Store, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
import { runRecord, taskEvent } from '../../fixtures/store-helpers.js';
import { closeStore, type StoreFactory } from './factories.js';

const code = (c: string, text?: string) =>
  expect.objectContaining({ code: c, ...(text ? { message: expect.stringContaining(text) } : {}) });

/** Opens a run made by createRun and commits its root's state (DONE or not), as its engine would. */
async function settle(store: Store, id: string, state: TaskState): Promise<void> {
  const stored = await store.loadRun(id);
  if (!stored) throw new Error(`no run ${id}`);
  const opened = await store.openRun(stored.run);
  const seq = opened.run.seq + 1;
  await store.commit({
    run: { ...opened.run, seq, state, total: 1 },
    tasks: [],
    events: [taskEvent(id, seq, { to: state })],
    ...(opened.fence ? { fence: opened.fence } : {}),
  });
  await store.releaseRun(id);
}

/** Every run's id, page by page, following the page tokens. */
async function allPages(store: Store, query: Parameters<Store['listRuns']>[0] = {}): Promise<string[][]> {
  const pages: string[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.listRuns({ ...query, ...(pageToken ? { pageToken } : {}) });
    pages.push(page.runs.map((r) => r.id));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return pages;
}

/** Registers the runs tests for one kind of store. */
export function runsContract(factory: StoreFactory): void {
  describe(`${factory.name}: runs`, () => {
    it('createRun numbers runs 1, 2, 3 … per workflow, with the request recorded', async () => {
      const store = (await factory.location()).open();
      const first = await store.createRun({
        workflow: 'upgrade',
        name: 'Upgrade',
        input: { version: '1.6.0', zones: ['a', 'b'] },
        trigger: RunTrigger.API,
        startedBy: 'alice',
        labels: { team: 'infra' },
        createdAt: 5_000,
      });
      expect(first).toEqual({
        created: true,
        run: {
          id: 'upgrade-1',
          name: 'Upgrade',
          createdAt: 5_000,
          seq: 0,
          workflow: 'upgrade',
          run: 1,
          input: { version: '1.6.0', zones: ['a', 'b'] },
          trigger: RunTrigger.API,
          startedBy: 'alice',
          state: TaskState.PENDING,
          counts: {
            UNKNOWN: 0,
            PENDING: 0,
            RUNNING: 0,
            SUCCESS: 0,
            FAILED: 0,
            SKIPPED: 0,
            ACTION_PENDING: 0,
          },
          total: 0,
          labels: { team: 'infra' },
        },
      });
      expect((await store.createRun({ workflow: 'upgrade' })).run).toMatchObject({ id: 'upgrade-2', run: 2 });
      expect((await store.createRun({ workflow: 'drain' })).run).toMatchObject({
        id: 'drain-1',
        name: 'drain',
      });
      expect((await store.createRun({ workflow: 'upgrade' })).run.id).toBe('upgrade-3');
      // The run opens as created (not new to the store, nothing stored yet: the engine starts it).
      const opened = await store.openRun((await store.loadRun('upgrade-2'))?.run ?? first.run);
      expect(opened).toMatchObject({ created: false, tasks: [], run: { id: 'upgrade-2', seq: 0 } });
      await closeStore(factory, store);
    });

    it('never reuses a number: not after pruning, not for an id a legacy job holds', async () => {
      const store = (await factory.location()).open();
      // A job created without a run (legacy) named like run 1 of a workflow "deploy".
      await store.openRun(runRecord('deploy-1'));
      await store.releaseRun('deploy-1');
      expect((await store.createRun({ workflow: 'deploy' })).run.id).toBe('deploy-2');
      for (const id of ['deploy-2']) await settle(store, id, TaskState.SUCCESS);
      expect((await store.createRun({ workflow: 'deploy' })).run.id).toBe('deploy-3');
      await settle(store, 'deploy-3', TaskState.SUCCESS);
      expect(await store.pruneRuns('deploy', 0)).toBe(2);
      expect(await store.loadRun('deploy-3')).toBeUndefined();
      expect((await store.createRun({ workflow: 'deploy' })).run.id).toBe('deploy-4');
      await closeStore(factory, store);
    });

    it('refuses a run beyond concurrency with RNR_ERR_CONFLICT naming the unfinished runs in the way', async () => {
      const store = (await factory.location()).open();
      await store.createRun({ workflow: 'upgrade', concurrency: 2 });
      await store.createRun({ workflow: 'upgrade', concurrency: 2 });
      await expect(store.createRun({ workflow: 'upgrade', concurrency: 2 })).rejects.toThrow(
        code('RNR_ERR_CONFLICT', 'in the way: upgrade-1, upgrade-2'),
      );
      // Other workflows are not in the way; a finished run is not either.
      expect((await store.createRun({ workflow: 'other', concurrency: 1 })).created).toBe(true);
      await settle(store, 'upgrade-1', TaskState.FAILED);
      expect((await store.createRun({ workflow: 'upgrade', concurrency: 2 })).run.id).toBe('upgrade-3');
      await expect(store.createRun({ workflow: 'upgrade', concurrency: 2 })).rejects.toThrow(
        code('RNR_ERR_CONFLICT', 'upgrade-2, upgrade-3'),
      );
      // A refused request used no number.
      await settle(store, 'upgrade-2', TaskState.SUCCESS);
      expect((await store.createRun({ workflow: 'upgrade' })).run.id).toBe('upgrade-4');
      await closeStore(factory, store);
    });

    it('answers the same run for the same idempotency key; another input under that key is a conflict', async () => {
      const store = (await factory.location()).open();
      const input = { version: '1.6.0', nested: { a: 1, b: 2 } };
      const made = await store.createRun({
        workflow: 'upgrade',
        input,
        idempotencyKey: 'k-1',
        concurrency: 1,
      });
      // The replay answers even though concurrency would refuse a new run; key order does not matter.
      const again = await store.createRun({
        workflow: 'upgrade',
        input: { nested: { b: 2, a: 1 }, version: '1.6.0' },
        idempotencyKey: 'k-1',
        concurrency: 1,
      });
      expect(again).toEqual({ created: false, run: made.run });
      await expect(
        store.createRun({ workflow: 'upgrade', input: { version: '1.7.0' }, idempotencyKey: 'k-1' }),
      ).rejects.toThrow(code('RNR_ERR_CONFLICT', 'k-1'));
      // Keys are per workflow.
      expect((await store.createRun({ workflow: 'other', idempotencyKey: 'k-1' })).run.id).toBe('other-1');
      await closeStore(factory, store);
    });

    it('checks a createRun request, naming the bad part', async () => {
      const store = (await factory.location()).open();
      const bad = (request: unknown, text: string) =>
        expect(store.createRun(request as never)).rejects.toThrow(code('RNR_ERR_INVALID_OPTION', text));
      await bad({ workflow: '' }, 'workflow');
      await bad({ workflow: 'a b' }, 'workflow');
      await bad({ workflow: 'w', input: [1] }, 'input');
      await bad({ workflow: 'w', concurrency: 0 }, 'concurrency');
      await bad({ workflow: 'w', idempotencyKey: '' }, 'idempotencyKey');
      await bad({ workflow: 'w', labels: { a: 1 } }, 'labels');
      expect((await store.listRuns()).runs).toEqual([]);
      await closeStore(factory, store);
    });

    it('lists runs newest first in pages of `limit`, with page tokens, no run missed or repeated', async () => {
      const store = (await factory.location()).open();
      for (let i = 0; i < 7; i++) await store.createRun({ workflow: i % 2 ? 'odd' : 'even' });
      const newestFirst = ['even-4', 'odd-3', 'even-3', 'odd-2', 'even-2', 'odd-1', 'even-1'];
      expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(newestFirst);
      expect((await store.listRuns()).nextPageToken).toBeUndefined();
      expect(await allPages(store, { limit: 3 })).toEqual([
        newestFirst.slice(0, 3),
        newestFirst.slice(3, 6),
        newestFirst.slice(6),
      ]);
      expect(await allPages(store, { limit: 7 })).toEqual([newestFirst]);
      // A run created between pages appears on no later page (it is newer than the token).
      const first = await store.listRuns({ limit: 2 });
      await store.createRun({ workflow: 'odd' });
      const next = await store.listRuns({ limit: 10, pageToken: first.nextPageToken as string });
      expect(next.runs.map((r) => r.id)).toEqual(newestFirst.slice(2));
      // The limit is clamped to 1..1000.
      expect((await store.listRuns({ limit: 0 })).runs).toHaveLength(1);
      expect((await store.listRuns({ limit: 5000 })).runs).toHaveLength(8);
      await expect(store.listRuns({ pageToken: 'garbage' })).rejects.toThrow(
        code('RNR_ERR_BAD_REQUEST', 'pageToken'),
      );
      await closeStore(factory, store);
    });

    it('filters by workflow and by state (names, ACTIVE, DONE), paging within the filter', async () => {
      const store = (await factory.location()).open();
      for (let i = 1; i <= 6; i++) await store.createRun({ workflow: 'w' });
      await store.createRun({ workflow: 'x' });
      await settle(store, 'w-1', TaskState.SUCCESS);
      await settle(store, 'w-2', TaskState.FAILED);
      await settle(store, 'w-3', TaskState.RUNNING);
      await settle(store, 'w-5', TaskState.SKIPPED);
      const ids = async (query: Parameters<Store['listRuns']>[0]) => (await allPages(store, query)).flat();
      expect(await ids({ workflow: 'w' })).toEqual(['w-6', 'w-5', 'w-4', 'w-3', 'w-2', 'w-1']);
      expect(await ids({ workflow: 'x' })).toEqual(['x-1']);
      expect(await ids({ workflow: 'nope' })).toEqual([]);
      expect(await ids({ states: ['DONE'] })).toEqual(['w-5', 'w-2', 'w-1']);
      expect(await ids({ states: ['ACTIVE'] })).toEqual(['x-1', 'w-6', 'w-4', 'w-3']);
      expect(await ids({ states: ['FAILED'] })).toEqual(['w-2']);
      expect(await ids({ states: ['FAILED', 'SKIPPED'] })).toEqual(['w-5', 'w-2']);
      expect(await ids({ workflow: 'w', states: ['ACTIVE'], limit: 1 })).toEqual(['w-6', 'w-4', 'w-3']);
      expect(await ids({ states: ['ACTIVE', 'DONE'] })).toHaveLength(7);
      const running = (await store.listRuns({ states: ['RUNNING'] })).runs[0];
      expect(running).toMatchObject({ id: 'w-3', state: TaskState.RUNNING, total: 1, seq: 1 });
      await expect(store.listRuns({ states: ['BOGUS' as never] })).rejects.toThrow(
        code('RNR_ERR_INVALID_STATE'),
      );
      await closeStore(factory, store);
    });

    it('pruneRuns keeps the newest `keep` finished runs of a workflow, never unfinished or open ones', async () => {
      const location = await factory.location();
      const store = location.open();
      for (let i = 1; i <= 5; i++) await store.createRun({ workflow: 'w' });
      await store.createRun({ workflow: 'other' });
      for (const id of ['w-1', 'w-2', 'w-4', 'other-1']) await settle(store, id, TaskState.SUCCESS);
      // w-5 is finished but open (a process still serves it).
      await settle(store, 'w-5', TaskState.SUCCESS);
      await store.openRun((await store.loadRun('w-5'))?.run as never);
      expect(await store.pruneRuns('w', 2)).toBe(2); // keeps w-5 and w-4, deletes w-2 and w-1
      expect((await store.listRuns({ workflow: 'w' })).runs.map((r) => r.id)).toEqual(['w-5', 'w-4', 'w-3']);
      expect(await store.events('w-1', 0)).toEqual([]);
      expect(await store.pruneRuns('w', 0)).toBe(1); // w-4; w-5 is open, w-3 unfinished
      await store.releaseRun('w-5');
      expect(await store.pruneRuns('w', 0)).toBe(1);
      expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['other-1', 'w-3']);
      await closeStore(factory, store);
    });
  });
}

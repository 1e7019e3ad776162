import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TaskState } from '../../src/engine/task-state.js';
import { EventCause, TaskKind } from '../../src/engine/types.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { cleanTempDirs, runRecord, taskEvent, taskRecord, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

describe('sqliteStore', () => {
  it('creates the file (and its directory) and reports it in its description', async () => {
    const file = join(tempDir(), 'nested', 'dir', 'rnr.db');
    const store = sqliteStore(file);
    expect(store.description).toBe(`sqlite:${file}`);
    expect(await store.listRuns()).toEqual({ runs: [] });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('application_id', { simple: true })).toBe(0x726e7253);
    db.close();
  });

  it('keeps jobs, task records and events across a reopen', async () => {
    const file = join(tempDir(), 'rnr.db');
    const first = sqliteStore(file);
    expect(await first.openRun(runRecord('upgrade'))).toMatchObject({ created: true, tasks: [] });
    const root = taskRecord('upgrade', {
      kind: TaskKind.NESTED,
      state: TaskState.RUNNING,
      parallelism: 3,
      parallelismSet: true,
      paused: true,
      labels: { team: 'infra', env: 'prod' },
      startedAt: 1_100,
    });
    const leaf = taskRecord('upgrade/vm-1', {
      parentId: 'upgrade',
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
        reason: 'not needed',
        action: 'skip',
        attempt: 2,
        paused: true,
      }),
    ];
    await first.commit({ run: runRecord('upgrade', 2), tasks: [root, leaf], events });
    await first.close();

    const second = sqliteStore(file);
    const state = await second.openRun(runRecord('upgrade'));
    expect(state).toMatchObject({ created: false, run: runRecord('upgrade', 2) });
    expect(state?.tasks).toEqual([root, leaf]);
    expect(await second.events('upgrade', 0)).toEqual(events);
    expect((await second.listRuns()).runs).toMatchObject([
      { ...runRecord('upgrade', 2), owner: state.fence },
    ]);
    await second.close();
  });

  it('updates a task in place: the latest commit wins', async () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    await store.openRun(runRecord('j'));
    await store.commit({ run: runRecord('j', 0), tasks: [taskRecord('a'), taskRecord('b')], events: [] });
    await store.commit({
      run: runRecord('j', 0),
      tasks: [taskRecord('a', { state: TaskState.SUCCESS })],
      events: [],
    });
    await store.releaseRun('j');
    const { tasks } = await store.openRun(runRecord('j'));
    expect(tasks?.map((t) => [t.id, t.state])).toEqual([
      ['a', TaskState.SUCCESS],
      ['b', TaskState.PENDING],
    ]);
    await store.close();
  });

  it('pages the event log by seq, per job', async () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    await store.openRun(runRecord('a'));
    await store.openRun(runRecord('b'));
    const log = Array.from({ length: 50 }, (_, i) => taskEvent('a', i + 1));
    await store.commit({ run: runRecord('a', 50), tasks: [], events: log });
    await store.commit({ run: runRecord('b', 1), tasks: [], events: [taskEvent('b', 1)] });
    expect((await store.events('a', 0)).map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect((await store.events('a', 10, 5)).map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(await store.events('a', 50)).toEqual([]);
    expect(await store.events('b', 0)).toEqual([taskEvent('b', 1)]);
    expect(await store.events('unknown', 0)).toEqual([]);
    expect((await store.listRuns()).runs.map((r) => r.id)).toEqual(['b', 'a']);
    await store.close();
  });

  it('writes a batch all or nothing: a reused seq rejects the whole batch', async () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    await store.openRun(runRecord('j'));
    await store.commit({ run: runRecord('j', 1), tasks: [taskRecord('a')], events: [taskEvent('j', 1)] });
    const bad = {
      run: runRecord('j', 3),
      tasks: [taskRecord('a', { state: TaskState.FAILED })],
      events: [taskEvent('j', 2), taskEvent('j', 1)],
    };
    await expect(store.commit(bad)).rejects.toThrow(
      expect.objectContaining({ code: 'RNR_ERR_INTERNAL', message: expect.stringContaining('events.seq') }),
    );
    expect((await store.events('j', 0)).map((e) => e.seq)).toEqual([1]);
    await store.releaseRun('j');
    const state = await store.openRun(runRecord('j'));
    expect(state.run.seq).toBe(1);
    expect(state?.tasks[0]?.state).toBe(TaskState.PENDING);
    await store.close();
  });

  it('never hands back a seq below the last event written', async () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    await store.openRun(runRecord('j'));
    // A job record that lags its events (an engine that counts seq elsewhere) must not reuse seq.
    await store.commit({ run: runRecord('j', 0), tasks: [], events: [taskEvent('j', 1), taskEvent('j', 2)] });
    await store.releaseRun('j');
    expect((await store.openRun(runRecord('j'))).run.seq).toBe(2);
    await store.close();
  });

  it('refuses commits for a job it did not open, and everything once closed', async () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    await expect(store.commit({ run: runRecord('x'), tasks: [], events: [] })).rejects.toThrow(
      expect.objectContaining({ code: 'RNR_ERR_JOB_NOT_FOUND' }),
    );
    await store.close();
    await store.close();
    const closed = expect.objectContaining({ code: 'RNR_ERR_STORE_CLOSED' });
    await expect(store.openRun(runRecord('x'))).rejects.toThrow(closed);
    await expect(store.events('x', 0)).rejects.toThrow(closed);
    await expect(store.listRuns()).rejects.toThrow(closed);
  });

  it("works in memory with ':memory:' (no file, no WAL)", async () => {
    const store = sqliteStore(':memory:');
    expect(store.description).toBe('sqlite::memory:');
    await store.openRun(runRecord('j'));
    await store.commit({ run: runRecord('j', 1), tasks: [taskRecord('a')], events: [taskEvent('j', 1)] });
    expect(await store.events('j', 0)).toEqual([taskEvent('j', 1)]);
    await store.close();
  });

  it('rejects bad options at once, naming the value', () => {
    const dir = tempDir();
    const invalid = (fn: () => unknown, text: string) =>
      expect(fn).toThrow(
        expect.objectContaining({ code: 'RNR_ERR_INVALID_OPTION', message: expect.stringContaining(text) }),
      );
    invalid(() => sqliteStore(''), 'path');
    invalid(() => sqliteStore(join(dir, 'a.db'), { synchronous: 'OFF' as 'FULL' }), '"OFF"');
    invalid(() => sqliteStore(join(dir, 'a.db'), { busyTimeoutMs: -1 }), 'busyTimeoutMs');
    invalid(() => sqliteStore(join(dir, 'a.db'), { maxBytes: 10 }), 'maxBytes');
  });
});

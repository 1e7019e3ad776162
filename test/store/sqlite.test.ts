import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TaskState } from '../../src/engine/task-state.js';
import { EventCause, TaskKind } from '../../src/engine/types.js';
import { sqliteStore } from '../../src/store/sqlite-store.js';
import { cleanTempDirs, jobRecord, taskEvent, taskRecord, tempDir } from '../fixtures/store-helpers.js';

cleanTempDirs();

describe('sqliteStore', () => {
  it('creates the file (and its directory) and reports it in its description', () => {
    const file = join(tempDir(), 'nested', 'dir', 'rnr.db');
    const store = sqliteStore(file);
    expect(store.description).toBe(`sqlite:${file}`);
    expect(store.listJobs()).toEqual([]);
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('application_id', { simple: true })).toBe(0x726e7253);
    db.close();
  });

  it('keeps jobs, task records and events across a reopen', () => {
    const file = join(tempDir(), 'rnr.db');
    const first = sqliteStore(file);
    expect(first.openJob(jobRecord('upgrade'))).toBeUndefined();
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
    first.commit({ job: jobRecord('upgrade', 2), tasks: [root, leaf], events });
    first.close();

    const second = sqliteStore(file);
    const state = second.openJob(jobRecord('upgrade'));
    expect(state?.job).toEqual(jobRecord('upgrade', 2));
    expect(state?.tasks).toEqual([root, leaf]);
    expect(second.events('upgrade', 0)).toEqual(events);
    expect(second.listJobs()).toEqual([jobRecord('upgrade', 2)]);
    second.close();
  });

  it('updates a task in place: the latest commit wins', () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    store.openJob(jobRecord('j'));
    store.commit({ job: jobRecord('j', 0), tasks: [taskRecord('a'), taskRecord('b')], events: [] });
    store.commit({
      job: jobRecord('j', 0),
      tasks: [taskRecord('a', { state: TaskState.SUCCESS })],
      events: [],
    });
    store.releaseJob('j');
    const tasks = store.openJob(jobRecord('j'))?.tasks;
    expect(tasks?.map((t) => [t.id, t.state])).toEqual([
      ['a', TaskState.SUCCESS],
      ['b', TaskState.PENDING],
    ]);
    store.close();
  });

  it('pages the event log by seq, per job', () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    store.openJob(jobRecord('a'));
    store.openJob(jobRecord('b'));
    const log = Array.from({ length: 50 }, (_, i) => taskEvent('a', i + 1));
    store.commit({ job: jobRecord('a', 50), tasks: [], events: log });
    store.commit({ job: jobRecord('b', 1), tasks: [], events: [taskEvent('b', 1)] });
    expect(store.events('a', 0).map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    expect(store.events('a', 10, 5).map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(store.events('a', 50)).toEqual([]);
    expect(store.events('b', 0)).toEqual([taskEvent('b', 1)]);
    expect(store.events('unknown', 0)).toEqual([]);
    expect(store.listJobs().map((j) => j.id)).toEqual(['a', 'b']);
    store.close();
  });

  it('writes a batch all or nothing: a reused seq rejects the whole batch', () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    store.openJob(jobRecord('j'));
    store.commit({ job: jobRecord('j', 1), tasks: [taskRecord('a')], events: [taskEvent('j', 1)] });
    const bad = {
      job: jobRecord('j', 3),
      tasks: [taskRecord('a', { state: TaskState.FAILED })],
      events: [taskEvent('j', 2), taskEvent('j', 1)],
    };
    expect(() => store.commit(bad)).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_INTERNAL', message: expect.stringContaining('events.seq') }),
    );
    expect(store.events('j', 0).map((e) => e.seq)).toEqual([1]);
    store.releaseJob('j');
    const state = store.openJob(jobRecord('j'));
    expect(state?.job.seq).toBe(1);
    expect(state?.tasks[0]?.state).toBe(TaskState.PENDING);
    store.close();
  });

  it('never hands back a seq below the last event written', () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    store.openJob(jobRecord('j'));
    // A job record that lags its events (an engine that counts seq elsewhere) must not reuse seq.
    store.commit({ job: jobRecord('j', 0), tasks: [], events: [taskEvent('j', 1), taskEvent('j', 2)] });
    store.releaseJob('j');
    expect(store.openJob(jobRecord('j'))?.job.seq).toBe(2);
    store.close();
  });

  it('refuses commits for a job it did not open, and everything once closed', () => {
    const store = sqliteStore(join(tempDir(), 'rnr.db'));
    expect(() => store.commit({ job: jobRecord('x'), tasks: [], events: [] })).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_JOB_NOT_FOUND' }),
    );
    store.close();
    store.close();
    const closed = expect.objectContaining({ code: 'RNR_ERR_STORE_CLOSED' });
    expect(() => store.openJob(jobRecord('x'))).toThrow(closed);
    expect(() => store.events('x', 0)).toThrow(closed);
    expect(() => store.listJobs()).toThrow(closed);
  });

  it("works in memory with ':memory:' (no file, no WAL)", () => {
    const store = sqliteStore(':memory:');
    expect(store.description).toBe('sqlite::memory:');
    store.openJob(jobRecord('j'));
    store.commit({ job: jobRecord('j', 1), tasks: [taskRecord('a')], events: [taskEvent('j', 1)] });
    expect(store.events('j', 0)).toEqual([taskEvent('j', 1)]);
    store.close();
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

import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { callbackTask, createJob, type Task, TaskKind, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { workflow } from './event-workflow.js';

const proto = protobuf.loadSync(fileURLToPath(new URL('../../proto3/rnr.proto', import.meta.url)));

describe('snapshot() and getTask()', () => {
  const protoTask = proto.lookupType('rnr.v1.Task');

  it('are Task messages with the fields of the proto Task message, and times from the job clock', async () => {
    const clock = new TestClock();
    const t0 = clock.now();
    const { job } = workflow(clock);
    const fresh = job.snapshot();
    // Every field of the proto Job (`halted` only while the job is halted, `owner` while a process
    // owns the run: a job not loaded yet has none).
    const jobFields = Object.keys(proto.lookupType('rnr.v1.Job').fields).filter(
      (f) => f !== 'halted' && f !== 'owner',
    );
    expect(Object.keys(fresh).sort()).toEqual(jobFields.sort());
    expect(fresh).toMatchObject({ id: 'ev', name: 'events', createdAt: t0, seq: 0 });
    expect(fresh.root).toMatchObject({
      id: 'root',
      name: 'root',
      kind: TaskKind.NESTED,
      state: TaskState.PENDING,
      message: '',
      paused: false,
      parallelism: 3,
      attempt: 0,
      labels: { team: 'ops' },
      createdAt: t0,
    });
    expect(fresh.root.startedAt).toBeUndefined();
    expect(fresh.root.approval).toBeUndefined();
    expect(fresh.root.children.map((c) => c.id)).toEqual(['root/ok', 'root/gate', 'root/bad']);

    await clock.advance(5000);
    await job.tick();
    await clock.advance(5000);
    await job.tick();
    await clock.advance(5000);
    await job.approve('root/gate', { actor: 'bob' });
    const gate = job.getTask('root/gate');
    expect(gate).toMatchObject({
      kind: TaskKind.CALLBACK,
      state: TaskState.RUNNING,
      approval: { by: 'bob', at: t0 + 15_000 },
    });
    expect(gate).toMatchObject({ startedAt: t0 + 5000, updatedAt: t0 + 15_000, children: [] });
    const ok = job.getTask('root/ok');
    expect(ok).toMatchObject({
      state: TaskState.SUCCESS,
      message: 'done',
      startedAt: t0 + 5000,
      finishedAt: t0 + 10_000,
    });
    expect(job.getTask('root/bad')).toMatchObject({
      state: TaskState.FAILED,
      message: 'nope',
      labels: { vm: 'vm-3' },
    });

    const root = job.snapshot().root;
    expect(job.getTask('root')).toEqual(root);
    expect(job.getTask('root/gate')).toEqual(root.children[1]);
    const fields = new Set(Object.keys(protoTask.fields));
    const walk = (t: Task) => {
      for (const key of Object.keys(t)) expect(fields, `Task.${key} is not in the proto`).toContain(key);
      t.children.forEach(walk);
    };
    walk(root);
    // a snapshot is a copy: mutating it does not touch the job
    root.children[0]!.state = TaskState.FAILED;
    expect(job.getTask('root/ok').state).toBe(TaskState.SUCCESS);
  });
});

describe('run()', () => {
  it.each([
    ['SUCCESS', () => true, TaskState.SUCCESS],
    ['FAILED', () => Promise.reject(new Error('x')), TaskState.FAILED],
    ['SKIPPED', () => 'SKIPPED' as const, TaskState.SKIPPED],
  ])('resolves with the root state (%s) once the root is DONE', async (_n, poll, expected) => {
    const clock = new TestClock();
    let polls = 0;
    const job = createJob({
      name: 'run',
      clock,
      pollIntervalMs: 60_000,
      root: callbackTask({ name: 'leaf', poll: () => (++polls < 3 ? undefined : poll()) }),
    });
    let settled: TaskState | undefined;
    void job.run().then((s) => {
      settled = s;
    });
    await clock.advance(60_000);
    expect(settled).toBeUndefined();
    await clock.advance(60_000);
    expect(settled).toBe(expected);
    expect(polls).toBe(3);
    expect(job.started).toBe(false);
  });

  it('resolves at once when the root is already DONE, and with an operator-set root state', async () => {
    const clock = new TestClock();
    const never = () =>
      createJob({ name: 'run', clock, root: callbackTask({ name: 'leaf', poll: () => undefined }) });
    const done = never();
    await done.setTaskState(done.snapshot().root.id, 'SUCCESS');
    await expect(done.run()).resolves.toBe(TaskState.SUCCESS);

    const job = never();
    const result = job.run();
    await clock.advance(60_000);
    await job.skip(job.snapshot().root.id, { reason: 'not needed today' });
    await expect(result).resolves.toBe(TaskState.SKIPPED);
    expect(job.started).toBe(false);
  });
});

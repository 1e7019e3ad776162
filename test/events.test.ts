import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  callbackTask,
  createJob,
  EventCause,
  type Job,
  nestedTask,
  type PollResult,
  type Task,
  type TaskEvent,
  TaskKind,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A job with a little of everything: a leaf that succeeds, one that asks for approval, one that fails. */
function workflow(clock = new TestClock()) {
  let polls = 0;
  const job = createJob({
    id: 'ev',
    name: 'events',
    clock,
    root: nestedTask({
      id: 'root',
      name: 'root',
      parallelism: 3,
      failFast: false,
      labels: { team: 'ops' },
      children: [
        callbackTask({
          name: 'ok',
          poll: () => (++polls >= 2 ? { state: 'SUCCESS', message: 'done' } : undefined),
        }),
        callbackTask({ name: 'gate', poll: (ctx): PollResult => (ctx.approval ? true : 'ACTION_PENDING') }),
        callbackTask({ name: 'bad', labels: { vm: 'vm-3' }, poll: () => Promise.reject(new Error('nope')) }),
      ],
    }),
  });
  return { job, clock };
}

/** Drives the workflow through polls and every kind of operator action. */
async function drive(job: Job, clock: TestClock): Promise<void> {
  await job.tick();
  await clock.advance(1000);
  job.pause('root/ok', { actor: 'alice', reason: 'look first' });
  job.resume('root/ok');
  await job.tick();
  job.approve('root/gate', { actor: 'bob', reason: 'window open' });
  job.setParallelism('root', 2, { reason: 'slow down' });
  await clock.advance(1000);
  await job.tick();
  job.retry('root/bad', { actor: 'carol' });
  job.setTaskState('root/bad', 'SKIPPED', {
    actor: 'carol',
    reason: 'not needed',
    message: 'skipped by hand',
  });
  await job.tick();
}

const proto = protobuf.loadSync(fileURLToPath(new URL('../proto3/rnr.proto', import.meta.url)));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('events', () => {
  it('subscribe gets every event in seq order: 1, 2, 3, … without gaps, the same as events()', async () => {
    const { job, clock } = workflow();
    const got: TaskEvent[] = [];
    job.subscribe((e) => got.push(e));
    await drive(job, clock);
    expect(got.length).toBeGreaterThan(10);
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => i + 1));
    expect(job.events(0)).toEqual(got);
    expect(job.seq).toBe(got.length);
    expect(job.snapshot().seq).toBe(got.length);
    for (const e of got) expect(e.jobId).toBe('ev');
  });

  it('an event is readable from events() by the time a listener hears of it, with the proto fields', async () => {
    const { job, clock } = workflow();
    const fields = new Set(Object.keys(proto.lookupType('rnr.v1.TaskEvent').fields));
    let heard = 0;
    job.subscribe((e) => {
      heard++;
      expect(job.events(e.seq - 1)[0]).toEqual(e);
      for (const key of Object.keys(e)) expect(fields, `TaskEvent.${key}`).toContain(key);
    });
    await drive(job, clock);
    expect(heard).toBe(job.seq);
  });

  // engine bug: a listener that acts on the job (here: auto-approves) triggers a nested publish
  // from inside the dispatch loop, so a later listener hears seq 5 before seq 4. DESIGN §3:
  // "listener gets every TaskEvent in seq order".
  it.fails('listeners hear events in seq order even when a listener acts on the job', async () => {
    const { job, clock } = workflow();
    job.subscribe((e) => {
      if (e.to === TaskState.ACTION_PENDING && e.from !== TaskState.ACTION_PENDING) job.approve(e.taskId);
    });
    const heard: number[] = [];
    job.subscribe((e) => heard.push(e.seq));
    await job.tick();
    await clock.advance(1000);
    await job.tick();
    expect(job.getTask('root/gate').approval?.by).toBe('anonymous');
    expect(heard).toEqual(heard.map((_, i) => i + 1));
  });

  it('events(since) returns exactly the events after since', async () => {
    const { job, clock } = workflow();
    await drive(job, clock);
    const all = job.events(0);
    for (let since = 0; since <= all.length; since++) {
      expect(job.events(since)).toEqual(all.filter((e) => e.seq > since));
    }
    expect(job.events(job.seq)).toEqual([]);
  });

  it('replaying the events gives every task its current state and paused flag (no change goes unrecorded)', async () => {
    const { job, clock } = workflow();
    const shadow = new Map<string, { state: TaskState; paused: boolean }>();
    const visit = (t: Task) => {
      shadow.set(t.id, { state: t.state, paused: t.paused });
      t.children.forEach(visit);
    };
    visit(job.snapshot().root);
    job.subscribe((e) => {
      const before = shadow.get(e.taskId);
      expect(before, e.taskId).toBeDefined();
      expect(e.from, `event ${e.seq} from`).toBe(before?.state);
      shadow.set(e.taskId, { state: e.to, paused: e.paused });
    });
    const check = () => {
      const walk = (t: Task) => {
        expect(shadow.get(t.id), t.id).toEqual({ state: t.state, paused: t.paused });
        t.children.forEach(walk);
      };
      walk(job.snapshot().root);
    };
    await job.tick();
    check();
    job.pause('root/ok');
    check();
    await drive(job, clock);
    check();
  });

  it('operator events carry cause OPERATOR, the actor (default anonymous) and the reason', async () => {
    const { job, clock } = workflow();
    await drive(job, clock);
    const ops = job.events(0).filter((e) => e.cause === EventCause.OPERATOR);
    const by = (taskId: string, actor: string, reason: string) =>
      ops.filter((e) => e.taskId === taskId && e.actor === actor && e.reason === reason);
    expect(by('root/ok', 'alice', 'look first')).toHaveLength(1); // pause
    expect(by('root/ok', 'anonymous', '')).toHaveLength(1); // resume
    expect(by('root/gate', 'bob', 'window open')).toHaveLength(1); // approve
    expect(by('root', 'anonymous', 'slow down')).toMatchObject([{ parallelism: 2 }]); // setParallelism
    expect(job.getTask('root').parallelism).toBe(2);
    expect(by('root/bad', 'carol', '')).toHaveLength(1); // retry
    expect(by('root/bad', 'carol', 'not needed')).toHaveLength(1); // setTaskState
    expect(ops).toHaveLength(6);
    const set = by('root/bad', 'carol', 'not needed')[0];
    expect(set).toMatchObject({ to: TaskState.SKIPPED, message: 'skipped by hand' });
    // nothing else claims to be an operator
    for (const e of job.events(0)) if (e.cause !== EventCause.OPERATOR) expect(e.actor).not.toBe('anonymous');
  });

  it('unsubscribe stops the listener; a throwing listener breaks neither the engine nor other listeners', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { job, clock } = workflow();
    const early: TaskEvent[] = [];
    const steady: TaskEvent[] = [];
    const unsubscribe = job.subscribe((e) => early.push(e));
    job.subscribe(() => {
      throw new Error('listener bug');
    });
    job.subscribe((e) => steady.push(e));
    await job.tick();
    unsubscribe();
    const seen = early.length;
    expect(seen).toBeGreaterThan(0);
    await drive(job, clock);
    expect(early).toHaveLength(seen);
    expect(steady).toEqual(job.events(0));
    expect(job.getTask('root/bad').state).toBe(TaskState.SKIPPED);
  });
});

describe('snapshot() and getTask()', () => {
  const protoTask = proto.lookupType('rnr.v1.Task');

  it('are Task messages with the fields of DESIGN §2, and times from the job clock', async () => {
    const clock = new TestClock();
    const t0 = clock.now();
    const { job } = workflow(clock);
    const fresh = job.snapshot();
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(proto.lookupType('rnr.v1.Job').fields).sort());
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
    job.approve('root/gate', { actor: 'bob' });
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
    done.setTaskState(done.snapshot().root.id, 'SUCCESS');
    await expect(done.run()).resolves.toBe(TaskState.SUCCESS);

    const job = never();
    const result = job.run();
    await clock.advance(60_000);
    job.skip(job.snapshot().root.id, { reason: 'not needed today' });
    await expect(result).resolves.toBe(TaskState.SKIPPED);
    expect(job.started).toBe(false);
  });
});

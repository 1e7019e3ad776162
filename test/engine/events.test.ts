import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { EventCause, type Task, type TaskEvent, TaskState } from 'rnr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drive, workflow } from './event-workflow.js';

const proto = protobuf.loadSync(fileURLToPath(new URL('../../proto3/rnr.proto', import.meta.url)));

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
    expect(await job.events(0)).toEqual(got);
    expect(job.seq).toBe(got.length);
    expect(job.snapshot().seq).toBe(got.length);
    for (const e of got) expect(e.jobId).toBe('ev');
  });

  it('an event is readable from events() by the time a listener hears of it, with the proto fields', async () => {
    const { job, clock } = workflow();
    const fields = new Set(Object.keys(proto.lookupType('rnr.v1.TaskEvent').fields));
    let heard = 0;
    const reads: Promise<void>[] = [];
    job.subscribe((e) => {
      heard++;
      reads.push(job.events(e.seq - 1, 1).then(([read]) => expect(read).toEqual(e)));
      for (const key of Object.keys(e)) expect(fields, `TaskEvent.${key}`).toContain(key);
    });
    await drive(job, clock);
    await Promise.all(reads);
    expect(heard).toBe(job.seq);
  });

  it('listeners hear events in seq order even when a listener acts on the job', async () => {
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
    const all = await job.events(0);
    for (let since = 0; since <= all.length; since++) {
      expect(await job.events(since)).toEqual(all.filter((e) => e.seq > since));
    }
    expect(await job.events(job.seq)).toEqual([]);
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
    await job.pause('root/ok');
    check();
    await drive(job, clock);
    check();
  });

  it('operator events carry cause OPERATOR, the actor (default anonymous) and the reason', async () => {
    const { job, clock } = workflow();
    await drive(job, clock);
    const ops = (await job.events(0)).filter((e) => e.cause === EventCause.OPERATOR);
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
    for (const e of await job.events(0))
      if (e.cause !== EventCause.OPERATOR) expect(e.actor).not.toBe('anonymous');
  });

  it('an operator action that changes nothing is still recorded', async () => {
    const { job } = workflow();
    await job.tick();
    const seq = job.seq;
    await job.pause('root/ok');
    await job.pause('root/ok', { actor: 'dave', reason: 'again' });
    await job.resume('root/gate');
    const gate = job.getTask('root/gate').state;
    await job.setTaskState('root/gate', gate);
    await job.setParallelism('root', 3);
    const after = await job.events(seq);
    expect(after.map((e) => [e.taskId, e.cause, e.paused])).toEqual([
      ['root/ok', EventCause.OPERATOR, true],
      ['root/ok', EventCause.OPERATOR, true],
      ['root/gate', EventCause.OPERATOR, false],
      ['root/gate', EventCause.OPERATOR, false],
      ['root', EventCause.OPERATOR, false],
    ]);
    expect(after[1]).toMatchObject({
      actor: 'dave',
      reason: 'again',
      from: TaskState.RUNNING,
      to: TaskState.RUNNING,
    });
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
    expect(steady).toEqual(await job.events(0));
    expect(job.getTask('root/bad').state).toBe(TaskState.SKIPPED);
  });
});

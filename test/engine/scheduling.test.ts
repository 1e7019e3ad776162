// The scheduling rules of docs/engine.md, 1 to 3 and 6: polls per tick, children under parallelism,
// and a tick that costs what runs. Rules 4 and 5 (operators, pause) are in scheduling-control.test.ts.
import { callbackTask, createJob, nestedTask, TaskState } from 'rnr';
import { createTestEnvironment, seconds } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { deferred, probe, runTicks, states } from '../fixtures/scheduling.js';

describe('rule 1: every running task is polled once per tick, never twice at once', () => {
  it('polls each RUNNING leaf exactly once per tick', async () => {
    const a = probe('a');
    const b = probe('b');
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: [a.spec, b.spec] }),
    });
    await job.tick();
    await job.tick();
    await job.tick();
    expect(a.polls).toHaveLength(3);
    expect(b.polls).toHaveLength(3);
  });

  it('skips a task whose earlier poll is still in flight, and a slow poll does not hold up the others', async () => {
    const env = createTestEnvironment();
    const slowGate = deferred();
    let slowCalls = 0;
    let fastCalls = 0;
    const slow = callbackTask({
      name: 'slow',
      poll: () => {
        slowCalls++;
        return slowGate.promise.then(() => true);
      },
    });
    const fast = callbackTask({
      name: 'fast',
      poll: () => {
        fastCalls++;
      },
    });
    const job = env.createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: [slow, fast] }),
      pollIntervalMs: seconds(30),
    });
    job.start();
    await env.advance(seconds(90)); // ticks at 0, 30, 60, 90 s
    expect(fastCalls).toBe(4);
    expect(slowCalls).toBe(1); // still in flight: never polled twice at once
    slowGate.resolve(undefined);
    await env.advance(0);
    expect(job.getTask('r/slow').state).toBe(TaskState.SUCCESS);
    await job.stop();
  });

  it('tick() resolves when the polls it started have settled', async () => {
    const gate = deferred();
    const job = createJob({
      name: 'j',
      root: callbackTask({ name: 'leaf', poll: () => gate.promise.then(() => true) }),
    });
    let settled = false;
    const tick = job.tick().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    gate.resolve(undefined);
    await tick;
    expect(job.getTask('leaf').state).toBe(TaskState.SUCCESS);
  });

  it('never polls PENDING or DONE tasks', async () => {
    const done = probe('done', () => true);
    const waiting = probe('waiting');
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 1, children: [done.spec, waiting.spec] }),
    });
    await job.tick(); // done starts, succeeds
    expect(waiting.polls).toHaveLength(0); // was PENDING during that tick
    await job.tick(); // waiting starts
    await job.tick();
    expect(done.polls).toHaveLength(1);
    expect(waiting.polls).toHaveLength(2);
  });
});

describe('rule 2: children start in order under parallelism, polled in the tick they start', () => {
  it('starts PENDING children in order while running < parallelism', async () => {
    const kids = ['a', 'b', 'c', 'd', 'e'].map((n) => probe(n));
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: kids.map((k) => k.spec) }),
    });
    await job.tick();
    expect(states(job, ['r/a', 'r/b', 'r/c', 'r/d', 'r/e'])).toEqual([
      'RUNNING',
      'RUNNING',
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
    expect(kids.map((k) => k.polls.length)).toEqual([1, 1, 0, 0, 0]);
    await job.skip('r/a');
    await job.tick();
    expect(states(job, ['r/a', 'r/b', 'r/c', 'r/d'])).toEqual(['SKIPPED', 'RUNNING', 'RUNNING', 'PENDING']);
    expect(kids[2]?.polls).toHaveLength(1); // started and polled in the same tick
  });

  it('defaults to parallelism 1: a sequence', async () => {
    const kids = ['a', 'b', 'c'].map((n) => probe(n, () => true));
    const job = createJob({ name: 'j', root: nestedTask({ name: 'r', children: kids.map((k) => k.spec) }) });
    const order: string[] = [];
    job.subscribe((e) => {
      if (e.to === TaskState.RUNNING && e.taskId !== 'r') order.push(e.taskId);
    });
    expect(await runTicks(job, 10)).toBe(TaskState.SUCCESS);
    expect(order).toEqual(['r/a', 'r/b', 'r/c']);
  });

  it('a nested child starts its own children in the same tick', async () => {
    const leaf = probe('leaf');
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', children: [nestedTask({ name: 'inner', children: [leaf.spec] })] }),
    });
    await job.tick();
    expect(job.getTask('r/inner/leaf').state).toBe(TaskState.RUNNING);
    expect(leaf.polls).toHaveLength(1);
  });
});

describe('rule 3: more running than parallelism → nothing new starts; nothing running stops', () => {
  it('an operator setting extra children RUNNING blocks new starts until enough finish', async () => {
    const kids = ['a', 'b', 'c', 'd'].map((n) => probe(n));
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: kids.map((k) => k.spec) }),
    });
    await job.tick(); // a, b running
    await job.setTaskState('r/c', TaskState.RUNNING); // 3 running > 2
    await job.tick();
    expect(states(job, ['r/a', 'r/b', 'r/c', 'r/d'])).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'PENDING']);
    await job.setTaskState('r/a', 'SUCCESS'); // 2 running: still not < 2
    await job.tick();
    expect(job.getTask('r/d').state).toBe(TaskState.PENDING);
    await job.setTaskState('r/b', 'SUCCESS'); // 1 running
    await job.tick();
    expect(job.getTask('r/d').state).toBe(TaskState.RUNNING);
  });

  it('lowering parallelism stops nothing; raising it starts more at the next tick', async () => {
    const kids = ['a', 'b', 'c', 'd'].map((n) => probe(n));
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 3, children: kids.map((k) => k.spec) }),
    });
    await job.tick();
    await job.setParallelism('r', 1);
    await job.tick();
    expect(states(job, ['r/a', 'r/b', 'r/c', 'r/d'])).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'PENDING']);
    expect(kids.map((k) => k.polls.length)).toEqual([2, 2, 2, 0]);
    await job.setParallelism('r', 4);
    await job.tick();
    expect(job.getTask('r/d').state).toBe(TaskState.RUNNING);
    expect(job.getTask('r').parallelism).toBe(4);
  });
});

describe('rule 6: a tick costs what runs, not the job size', () => {
  it('polls only the running tasks of a 10,000-task job', async () => {
    let calls = 0;
    const children = Array.from({ length: 10_000 }, (_, i) =>
      callbackTask({
        name: `t${i}`,
        poll: () => {
          calls++;
        },
      }),
    );
    const job = createJob({ name: 'j', root: nestedTask({ name: 'r', parallelism: 100, children }) });
    await job.tick();
    calls = 0;
    const seq = job.seq;
    await job.tick();
    expect(calls).toBe(100);
    expect(job.seq).toBe(seq); // nothing changed, nothing recorded
  });
});

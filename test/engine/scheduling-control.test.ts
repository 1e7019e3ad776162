// The scheduling rules of docs/engine.md that an operator or the host drives: 4 (any state at any
// time; a change during a poll wins), 5 (paused), stop and drain. A store that fails to commit:
// test/store/contract/halting.contract.ts.
import { callbackTask, createJob, nestedTask, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
import { deferred, probe, runTicks, states } from '../fixtures/scheduling.js';

describe('rule 4: an operator may set any state at any time; a change during a poll wins', () => {
  it('discards the in-flight result and aborts its signal', async () => {
    const gate = deferred();
    let signal: AbortSignal | undefined;
    const job = createJob({
      name: 'j',
      root: callbackTask({
        name: 'leaf',
        poll: (ctx) => {
          signal = ctx.signal;
          return gate.promise.then(() => 'FAILED' as const);
        },
      }),
    });
    await job.load();
    const tick = job.tick();
    await Promise.resolve();
    await job.setTaskState('leaf', 'SKIPPED', { actor: 'ana', reason: 'not needed' });
    expect(signal?.aborted).toBe(true);
    gate.resolve(undefined);
    await tick;
    expect(job.getTask('leaf').state).toBe(TaskState.SKIPPED);
    const last = (await job.events()).at(-1);
    expect(last).toMatchObject({
      taskId: 'leaf',
      to: TaskState.SKIPPED,
      actor: 'ana',
      reason: 'not needed',
      action: 'state',
    });
  });

  it('any state can be set from any state, and the task carries on from there', async () => {
    const leaf = probe('leaf');
    const job = createJob({ name: 'j', root: nestedTask({ name: 'r', children: [leaf.spec] }) });
    for (const from of [
      TaskState.UNKNOWN,
      TaskState.SUCCESS,
      TaskState.FAILED,
      TaskState.ACTION_PENDING,
      TaskState.PENDING,
      TaskState.SKIPPED,
    ]) {
      for (const to of [TaskState.RUNNING, TaskState.UNKNOWN, TaskState.ACTION_PENDING, TaskState.FAILED]) {
        await job.setTaskState('r/leaf', from);
        await job.setTaskState('r/leaf', to);
        expect(job.getTask('r/leaf').state).toBe(to);
      }
    }
    await job.setTaskState('r/leaf', TaskState.RUNNING);
    const before = leaf.polls.length;
    await job.tick();
    expect(leaf.polls.length).toBe(before + 1); // RUNNING set by an operator is polled
  });
});

describe('rule 5: paused', () => {
  it('a paused leaf is not polled and a paused PENDING task is not started', async () => {
    const a = probe('a');
    const b = probe('b');
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: [a.spec, b.spec] }),
    });
    await job.pause('r/b');
    await job.tick();
    expect(states(job, ['r/a', 'r/b'])).toEqual(['RUNNING', 'PENDING']);
    await job.pause('r/a');
    await job.tick();
    expect(a.polls).toHaveLength(1);
    await job.resume('r/a');
    await job.resume('r/b');
    await job.tick();
    expect(a.polls).toHaveLength(2);
    expect(b.polls).toHaveLength(1);
  });

  it('a paused nested task starts no new children while its running ones go on being polled', async () => {
    const kids = ['a', 'b', 'c'].map((n) => probe(n));
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: kids.map((k) => k.spec) }),
    });
    await job.tick();
    await job.pause('r');
    await job.skip('r/a');
    await job.tick();
    await job.tick();
    expect(job.getTask('r/c').state).toBe(TaskState.PENDING);
    expect(kids[1]?.polls).toHaveLength(3);
    await job.resume('r');
    await job.tick();
    expect(job.getTask('r/c').state).toBe(TaskState.RUNNING);
  });

  it('pausing the root means nothing new starts anywhere in the job', async () => {
    const leaves = ['a', 'b'].map((n) => probe(n, () => true));
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'r',
        children: [nestedTask({ name: 'z', children: leaves.map((l) => l.spec) })],
      }),
    });
    await job.pause('r');
    await job.tick();
    await job.tick();
    expect(job.getTask('r').state).toBe(TaskState.PENDING);
    expect(leaves.every((l) => l.polls.length === 0)).toBe(true);
    await job.resume('r');
    expect(await runTicks(job, 10)).toBe(TaskState.SUCCESS);
  });

  it('pause and resume are recorded as events with the paused flag', async () => {
    const job = createJob({ name: 'j', root: callbackTask({ name: 'leaf', poll: () => undefined }) });
    await job.pause('leaf', { actor: 'bo', reason: 'maintenance window' });
    await job.resume('leaf', { actor: 'bo' });
    expect((await job.events()).map((e) => [e.action, e.paused, e.actor])).toEqual([
      ['pause', true, 'bo'],
      ['resume', false, 'bo'],
    ]);
  });
});

describe('an operator setting RUNNING after poll errors', () => {
  it('gives the task its retries again', async () => {
    let calls = 0;
    const job = createJob({
      name: 'j',
      root: callbackTask({
        name: 'leaf',
        retries: 2,
        poll: () => {
          calls++;
          throw new Error(`boom ${calls}`);
        },
      }),
    });
    for (let i = 0; i < 3; i++) await job.tick();
    expect(job.getTask('leaf')).toMatchObject({
      state: TaskState.FAILED,
      message: 'boom 3 (after 3 consecutive poll errors)',
    });
    await job.setTaskState('leaf', 'RUNNING');
    await job.tick();
    expect(job.getTask('leaf')).toMatchObject({
      state: TaskState.RUNNING,
      message: 'poll error 1/2: boom 4',
    });
  });
});

describe('stop() and drain()', () => {
  it('stop aborts polls in flight at once; drain resolves when the user code is done', async () => {
    const gate = deferred();
    let aborted = false;
    const job = createJob({
      name: 'j',
      root: callbackTask({
        name: 'leaf',
        poll: ({ signal }) => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
          return gate.promise.then(() => true);
        },
      }),
    });
    await job.load();
    const tick = job.tick();
    await Promise.resolve();
    await job.stop();
    await tick; // the tick's wait ends with the abort
    expect(aborted).toBe(true);
    let drained = false;
    const drain = job.drain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    gate.resolve(undefined);
    await drain;
    expect(job.getTask('leaf').state).toBe(TaskState.RUNNING); // the late result was discarded
  });
});

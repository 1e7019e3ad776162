// The scheduling rules of docs/engine.md that an operator or the host drives: 4 (any state at any
// time; a change during a poll wins), 5 (paused), a store that fails to commit, stop and drain.
import { callbackTask, createJob, memoryStore, nestedTask, type Store, TaskState } from 'rnr';
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
    const tick = job.tick();
    await Promise.resolve();
    job.setTaskState('leaf', 'SKIPPED', { actor: 'ana', reason: 'not needed' });
    expect(signal?.aborted).toBe(true);
    gate.resolve(undefined);
    await tick;
    expect(job.getTask('leaf').state).toBe(TaskState.SKIPPED);
    const last = job.events().at(-1);
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
        job.setTaskState('r/leaf', from);
        job.setTaskState('r/leaf', to);
        expect(job.getTask('r/leaf').state).toBe(to);
      }
    }
    job.setTaskState('r/leaf', TaskState.RUNNING);
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
    job.pause('r/b');
    await job.tick();
    expect(states(job, ['r/a', 'r/b'])).toEqual(['RUNNING', 'PENDING']);
    job.pause('r/a');
    await job.tick();
    expect(a.polls).toHaveLength(1);
    job.resume('r/a');
    job.resume('r/b');
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
    job.pause('r');
    job.skip('r/a');
    await job.tick();
    await job.tick();
    expect(job.getTask('r/c').state).toBe(TaskState.PENDING);
    expect(kids[1]?.polls).toHaveLength(3);
    job.resume('r');
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
    job.pause('r');
    await job.tick();
    await job.tick();
    expect(job.getTask('r').state).toBe(TaskState.PENDING);
    expect(leaves.every((l) => l.polls.length === 0)).toBe(true);
    job.resume('r');
    expect(await runTicks(job, 10)).toBe(TaskState.SUCCESS);
  });

  it('pause and resume are recorded as events with the paused flag', () => {
    const job = createJob({ name: 'j', root: callbackTask({ name: 'leaf', poll: () => undefined }) });
    job.pause('leaf', { actor: 'bo', reason: 'maintenance window' });
    job.resume('leaf', { actor: 'bo' });
    expect(job.events().map((e) => [e.action, e.paused, e.actor])).toEqual([
      ['pause', true, 'bo'],
      ['resume', false, 'bo'],
    ]);
  });
});

describe('a store that fails to commit', () => {
  it('rejects the tick instead of throwing, and keeps the batch for the next commit', async () => {
    const inner = memoryStore();
    let failing = true;
    const store: Store = {
      ...inner,
      description: 'flaky',
      openJob: (job) => inner.openJob(job),
      commit: (batch) => {
        if (failing) throw new Error('disk full');
        inner.commit(batch);
      },
      events: (jobId, since, limit) => inner.events(jobId, since, limit),
    };
    const job = createJob({ name: 'j', store, root: callbackTask({ name: 'leaf', poll: () => true }) });
    const tick = job.tick();
    expect(tick).toBeInstanceOf(Promise);
    await expect(tick).rejects.toThrow('disk full');
    expect(job.events()).toEqual([]); // nothing published or readable before it is durable
    failing = false;
    await job.tick();
    expect(job.events().map((e) => [e.seq, TaskState[e.to]])).toEqual([
      [1, 'RUNNING'],
      [2, 'SUCCESS'],
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
    job.setTaskState('leaf', 'RUNNING');
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

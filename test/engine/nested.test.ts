import { callbackTask, createJob, type Job, memoryStore, nestedTask, type TaskSpec, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';

const ok = (name: string) => callbackTask({ name, poll: () => true });
const fails = (name: string) => callbackTask({ name, poll: () => 'FAILED' });
const runs = (name: string) => callbackTask({ name, poll: () => undefined });
const stateOf = (job: Job, id: string) => TaskState[job.getTask(id).state];

async function ticks(job: Job, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await job.tick();
}

describe('nested tasks: aggregate state', () => {
  it('is SUCCESS when all children are SUCCESS or SKIPPED', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 3, children: [ok('a'), runs('b'), ok('c')] }),
    });
    await job.tick();
    expect(stateOf(job, 'r')).toBe('RUNNING');
    await job.skip('r/b');
    expect(stateOf(job, 'r')).toBe('SUCCESS'); // settles at once after the operator action
  });

  it('with zero children is SUCCESS when it starts', async () => {
    const job = createJob({ name: 'j', root: nestedTask({ name: 'r', children: [] }) });
    await job.tick();
    expect(stateOf(job, 'r')).toBe('SUCCESS');
    expect(await job.run()).toBe(TaskState.SUCCESS);
  });

  it('failFast (default): once a child FAILED no new child starts; FAILED when none runs', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', parallelism: 2, children: [fails('a'), runs('b'), ok('c')] }),
    });
    await job.tick();
    expect([stateOf(job, 'r/a'), stateOf(job, 'r/b')]).toEqual(['FAILED', 'RUNNING']);
    await ticks(job, 2);
    expect(stateOf(job, 'r/c')).toBe('PENDING');
    expect(stateOf(job, 'r')).toBe('RUNNING'); // b still runs
    await job.setTaskState('r/b', 'SUCCESS');
    expect(stateOf(job, 'r')).toBe('FAILED');
    expect(stateOf(job, 'r/c')).toBe('PENDING');
  });

  it('failFast false: the others go on; FAILED at the end', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({ name: 'r', failFast: false, children: [fails('a'), ok('b'), ok('c')] }),
    });
    await ticks(job, 5);
    expect(['r/a', 'r/b', 'r/c', 'r'].map((id) => stateOf(job, id))).toEqual([
      'FAILED',
      'SUCCESS',
      'SUCCESS',
      'FAILED',
    ]);
  });
});

describe('nested tasks: reopening after an operator fixes a failure', () => {
  function failingTree() {
    let healthy = false;
    const flaky = callbackTask({ name: 'flaky', poll: () => (healthy ? true : 'FAILED') });
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'r',
        children: [nestedTask({ name: 'zone', children: [flaky, ok('after')] }), ok('last')],
      }),
    });
    return { job, heal: () => (healthy = true) };
  }

  it('retrying the failed child reopens every DONE ancestor and carries on', async () => {
    const { job, heal } = failingTree();
    await ticks(job, 3);
    expect(['r/zone/flaky', 'r/zone', 'r'].map((id) => stateOf(job, id))).toEqual([
      'FAILED',
      'FAILED',
      'FAILED',
    ]);
    heal();
    const task = await job.retry('r/zone/flaky', { actor: 'ops', reason: 'fixed the repo' });
    expect(task.attempt).toBe(1);
    expect(['r/zone/flaky', 'r/zone', 'r'].map((id) => stateOf(job, id))).toEqual([
      'PENDING',
      'RUNNING',
      'RUNNING',
    ]);
    await ticks(job, 6);
    expect(['r/zone/flaky', 'r/zone/after', 'r/last', 'r'].map((id) => stateOf(job, id))).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
    const reopen = (await job.events()).filter((e) => e.reason.startsWith('reopened'));
    expect(reopen.map((e) => e.taskId)).toEqual(['r/zone', 'r']);
  });

  it('skipping the failed child reopens too', async () => {
    const { job } = failingTree();
    await ticks(job, 3);
    await job.skip('r/zone/flaky');
    await ticks(job, 5);
    expect(stateOf(job, 'r')).toBe('SUCCESS');
    expect(stateOf(job, 'r/zone/after')).toBe('SUCCESS');
  });

  it('a nested task an operator set DONE stays as the operator said', async () => {
    const { job } = failingTree();
    await ticks(job, 3);
    await job.setTaskState('r/zone', 'SKIPPED', { reason: 'zone retired' });
    expect(stateOf(job, 'r')).toBe('RUNNING'); // r reopened: its failed child is now SKIPPED
    await job.retry('r/zone/flaky');
    expect(stateOf(job, 'r/zone')).toBe('SKIPPED');
  });
});

describe('nested tasks: children discovered at runtime', () => {
  it('resolves a children function when the task starts, async included', async () => {
    const seen: string[] = [];
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'shards',
        parallelism: 2,
        children: async ({ task }) => {
          seen.push(task.id);
          await Promise.resolve();
          return ['s1', 's2', 's3'].map(ok);
        },
      }),
    });
    expect(job.snapshot().root.children).toEqual([]);
    await job.tick();
    expect(seen).toEqual(['shards']);
    expect(job.getTask('shards').children.map((c) => c.id)).toEqual(['shards/s1', 'shards/s2', 'shards/s3']);
    expect(stateOf(job, 'shards/s1')).toBe('SUCCESS'); // started and polled in the tick that found it
    const discovered = (await job.events()).filter((e) => e.reason === 'discovered');
    expect(discovered).toHaveLength(3);
    await ticks(job, 2);
    expect(stateOf(job, 'shards')).toBe('SUCCESS');
  });

  it('re-resolves on retry: existing children keep their state, new ones are added', async () => {
    let list = ['a', 'b'];
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'r',
        parallelism: 5,
        children: () => list.map((n) => (n === 'b' ? fails(n) : ok(n))),
      }),
    });
    await ticks(job, 2);
    expect(stateOf(job, 'r')).toBe('FAILED');
    list = ['a', 'b', 'c'];
    await job.skip('r/b');
    await job.retry('r');
    await ticks(job, 2);
    expect(job.getTask('r').children.map((c) => `${c.id}:${TaskState[c.state]}`)).toEqual([
      'r/a:SUCCESS',
      'r/b:SKIPPED',
      'r/c:SUCCESS',
    ]);
    expect(stateOf(job, 'r')).toBe('SUCCESS');
  });

  it('a children function that throws, or returns non-specs, fails the task with the reason', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'r',
        failFast: false,
        parallelism: 2,
        children: [
          nestedTask({
            name: 'throws',
            children: () => {
              throw new Error('inventory API down');
            },
          }),
          nestedTask({ name: 'garbage', children: () => [{ name: 'not a spec' }] as unknown as TaskSpec[] }),
        ],
      }),
    });
    await job.tick();
    expect(job.getTask('r/throws')).toMatchObject({
      state: TaskState.FAILED,
      message: 'children: inventory API down',
    });
    expect(job.getTask('r/garbage').state).toBe(TaskState.FAILED);
    expect(job.getTask('r/garbage').message).toMatch(/children\[0\].*expected a task spec/);
  });

  it('a discovered child whose id collides fails the parent, naming both', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({
        name: 'r',
        children: [
          ok('x'),
          nestedTask({
            name: 'dyn',
            children: () => [callbackTask({ id: 'r/x', name: 'clash', poll: () => true })],
          }),
        ],
        parallelism: 2,
      }),
    });
    await job.tick();
    expect(job.getTask('r/dyn').message).toMatch(/duplicate task id "r\/x".*clash.*x/);
  });
});

describe('resume from a store', () => {
  it('keeps DONE, skips, pauses, parallelism and approvals; polls RUNNING again; seq continues', async () => {
    const store = memoryStore();
    let approvedSeen = false;
    const define = () =>
      nestedTask({
        name: 'r',
        parallelism: 3,
        children: [
          ok('done'),
          runs('skipme'),
          callbackTask({
            name: 'gate',
            poll: ({ approval }) => {
              if (approval) approvedSeen = true;
              return approval ? undefined : 'ACTION_PENDING';
            },
          }),
          runs('paused'),
        ],
      });
    const first = createJob({ id: 'roll', name: 'roll', root: define(), store });
    await first.tick();
    await first.skip('r/skipme');
    await first.approve('r/gate', { actor: 'ana' });
    await first.pause('r/paused');
    await first.setParallelism('r', 2);
    const seq = first.seq;
    await first.close();

    const second = createJob({ id: 'roll', name: 'roll', root: define(), store });
    expect(second.resumed).toBeUndefined(); // known once loaded
    await second.load();
    expect(second.resumed).toEqual({ fromSeq: seq, orphans: [] });
    expect(second.getTask('r/done').state).toBe(TaskState.SUCCESS);
    expect(second.getTask('r/skipme').state).toBe(TaskState.SKIPPED);
    expect(second.getTask('r/gate').approval).toMatchObject({ by: 'ana' });
    expect(second.getTask('r/paused').paused).toBe(true);
    expect(second.getTask('r').parallelism).toBe(2);
    expect(second.seq).toBe(seq + 1); // the SYSTEM "resumed" event
    await second.tick();
    expect(approvedSeen).toBe(true); // the approved gate is polled again, with its approval
    expect(second.getTask('r/gate').state).toBe(TaskState.RUNNING);
    expect((await second.events(seq)).every((e) => e.seq > seq)).toBe(true);
  });

  it('reports stored tasks the workflow no longer defines', async () => {
    const store = memoryStore();
    const a = createJob({
      id: 'j',
      name: 'j',
      root: nestedTask({ name: 'r', children: [ok('old'), ok('kept')] }),
      store,
    });
    await a.tick();
    await a.close();
    const b = createJob({
      id: 'j',
      name: 'j',
      root: nestedTask({ name: 'r', children: [ok('kept'), ok('new')] }),
      store,
    });
    await b.load();
    expect(b.resumed?.orphans).toEqual(['r/old']);
    expect(b.getTask('r/new').state).toBe(TaskState.PENDING);
  });
});

import {
  type CallbackTaskOptions,
  callbackTask,
  createJob,
  isRnrError,
  type Job,
  type JobOptions,
  type NestedTaskOptions,
  nestedTask,
  type RnrErrorCode,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';

/** Runs `fn`, expects an RnrError with `code` whose message matches every pattern. */
function expectRnrError(fn: () => unknown, code: RnrErrorCode, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isRnrError(caught), `expected an RnrError, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

let polls = 0;
const poll = () => {
  polls++;
  return undefined;
};
const leaf = (name: string, extra: Partial<CallbackTaskOptions> = {}) =>
  callbackTask({ name, poll, ...extra });
// Casts for inputs a JavaScript caller (or a careless TypeScript one) can pass.
const badLeaf = (options: unknown) => () => callbackTask(options as CallbackTaskOptions);
const badNested = (options: unknown) => () => nestedTask(options as NestedTaskOptions);
const badJob = (options: unknown) => () => createJob(options as JobOptions);

describe('task builders and createJob reject bad input before anything runs', () => {
  it('duplicate explicit ids: RNR_ERR_DUPLICATE_TASK_ID naming both tasks', () => {
    const root = nestedTask({
      id: 'root',
      name: 'root',
      children: [
        leaf('first upgrade', { id: 'vm-1' }),
        nestedTask({ name: 'zone', children: [leaf('second upgrade', { id: 'vm-1' })] }),
      ],
    });
    expectRnrError(
      () => createJob({ name: 'job', root }),
      'RNR_ERR_DUPLICATE_TASK_ID',
      /vm-1/,
      /first upgrade/,
      /second upgrade/,
    );
    expect(polls).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['missing', undefined],
    ['not a string', 42],
  ])('%s name: RNR_ERR_INVALID_OPTION', (_what, name) => {
    expectRnrError(badLeaf({ name, poll }), 'RNR_ERR_INVALID_OPTION', /name/);
    expectRnrError(badNested({ name, children: [] }), 'RNR_ERR_INVALID_OPTION', /name/);
    expectRnrError(badJob({ name, root: leaf('x') }), 'RNR_ERR_INVALID_OPTION', /name/);
  });

  it.each([0, -1, 1.5, '2', Number.NaN, Number.POSITIVE_INFINITY, true])(
    'parallelism %j: RNR_ERR_INVALID_PARALLELISM naming the value',
    (parallelism) => {
      expectRnrError(
        badNested({ name: 'zone', children: [], parallelism }),
        'RNR_ERR_INVALID_PARALLELISM',
        /parallelism/,
      );
    },
  );

  it.each([undefined, 'poll', {}, 42])('poll %j that is not a function: RNR_ERR_INVALID_OPTION', (bad) => {
    expectRnrError(badLeaf({ name: 'vm', poll: bad }), 'RNR_ERR_INVALID_OPTION', /poll/);
  });

  it.each([
    ['retries -1', badLeaf({ name: 'vm', poll, retries: -1 }), /retries/],
    ['retries 1.5', badLeaf({ name: 'vm', poll, retries: 1.5 }), /retries/],
    ["retries '2'", badLeaf({ name: 'vm', poll, retries: '2' }), /retries/],
    ['pollTimeoutMs 0', badLeaf({ name: 'vm', poll, pollTimeoutMs: 0 }), /pollTimeoutMs/],
    ['pollTimeoutMs -1', badLeaf({ name: 'vm', poll, pollTimeoutMs: -1 }), /pollTimeoutMs/],
    ['pollTimeoutMs NaN', badLeaf({ name: 'vm', poll, pollTimeoutMs: Number.NaN }), /pollTimeoutMs/],
    ["pollTimeoutMs '100'", badLeaf({ name: 'vm', poll, pollTimeoutMs: '100' }), /pollTimeoutMs/],
    ['a label that is not a string', badLeaf({ name: 'vm', poll, labels: { zone: 1 } }), /zone/],
    ["failFast 'yes'", badNested({ name: 'zone', children: [], failFast: 'yes' }), /failFast/],
  ])('%s: RNR_ERR_INVALID_OPTION naming the option', (_what, build, named) => {
    expectRnrError(build, 'RNR_ERR_INVALID_OPTION', named);
  });

  it('the root and a child with the same explicit id: RNR_ERR_DUPLICATE_TASK_ID', () => {
    const root = nestedTask({ id: 'x', name: 'outer', children: [leaf('inner', { id: 'x' })] });
    expectRnrError(() => createJob({ name: 'job', root }), 'RNR_ERR_DUPLICATE_TASK_ID', /outer/, /inner/);
  });

  it.each([
    ['a plain object', [{ name: 'vm', poll }]],
    ['null', [null]],
    ['a nested array', [[leaf('vm')]]],
    ['a string', ['vm']],
    ['not an array', { vm: leaf('vm') }],
  ])('children holding %s: RNR_ERR_INVALID_OPTION', (_what, children) => {
    expectRnrError(badNested({ name: 'zone', children }), 'RNR_ERR_INVALID_OPTION', /children/);
  });

  it.each([
    ['no root', { name: 'job' }],
    ['a plain-object root', { name: 'job', root: { name: 'x', poll } }],
    ['no options', undefined],
  ])('createJob with %s: RNR_ERR_INVALID_OPTION', (_what, options) => {
    expectRnrError(badJob(options), 'RNR_ERR_INVALID_OPTION');
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '1000'])(
    'pollIntervalMs %j: RNR_ERR_INVALID_OPTION',
    (pollIntervalMs) => {
      expectRnrError(
        badJob({ name: 'job', root: leaf('x'), pollIntervalMs }),
        'RNR_ERR_INVALID_OPTION',
        /pollIntervalMs/,
      );
    },
  );

  it.each([
    ['store', {}],
    ['store', 'memory'],
    ['store', null],
    ['clock', {}],
    ['clock', { now: (): number => 0 }],
    ['clock', Date],
    ['clock', null],
  ])('%s %j: RNR_ERR_INVALID_OPTION', (key, value) => {
    expectRnrError(
      badJob({ name: 'job', root: leaf('x'), [key]: value }),
      'RNR_ERR_INVALID_OPTION',
      new RegExp(key),
    );
  });

  it('a children function is not called and nothing is polled at createJob', () => {
    let called = false;
    const before = polls;
    const job = createJob({
      name: 'job',
      clock: new TestClock(),
      root: nestedTask({
        name: 'job',
        children: [
          leaf('a'),
          nestedTask({
            name: 'b',
            children: () => {
              called = true;
              return [];
            },
          }),
        ],
      }),
    });
    expect(job.snapshot().root.state).not.toBe(TaskState.RUNNING);
    expect(called).toBe(false);
    expect(polls).toBe(before);
  });
});

describe('operator calls with bad arguments throw and change nothing', () => {
  /** A job mid-run: one leaf RUNNING, one SUCCESS, one PENDING. */
  async function midRun(): Promise<Job> {
    const job = createJob({
      name: 'job',
      clock: new TestClock(),
      root: nestedTask({
        id: 'root',
        name: 'root',
        parallelism: 2,
        children: [leaf('vm-1'), callbackTask({ name: 'done', poll: () => true }), leaf('vm-3')],
      }),
    });
    await job.tick();
    expect(job.snapshot().root.children.map((t) => TaskState[t.state])).toEqual([
      'RUNNING',
      'SUCCESS',
      'PENDING',
    ]);
    return job;
  }

  const cases: Array<[string, (job: Job) => unknown, RnrErrorCode, RegExp]> = [
    [
      'setTaskState on an unknown id',
      (j) => j.setTaskState('nope', 'SKIPPED'),
      'RNR_ERR_TASK_NOT_FOUND',
      /nope/,
    ],
    ['retry on an unknown id', (j) => j.retry('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['skip on an unknown id', (j) => j.skip('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['approve on an unknown id', (j) => j.approve('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['pause on an unknown id', (j) => j.pause('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['resume on an unknown id', (j) => j.resume('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['setParallelism on an unknown id', (j) => j.setParallelism('nope', 2), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    ['getTask on an unknown id', (j) => j.getTask('nope'), 'RNR_ERR_TASK_NOT_FOUND', /nope/],
    [
      "setTaskState 'DONE'",
      (j) => j.setTaskState('root/vm-1', 'DONE' as 'SUCCESS'),
      'RNR_ERR_INVALID_STATE',
      /DONE/,
    ],
    [
      "setTaskState 'success'",
      (j) => j.setTaskState('root/vm-1', 'success' as 'SUCCESS'),
      'RNR_ERR_INVALID_STATE',
      /success/,
    ],
    ['setTaskState 7', (j) => j.setTaskState('root/vm-1', 7 as TaskState), 'RNR_ERR_INVALID_STATE', /7/],
    ['setParallelism on a leaf', (j) => j.setParallelism('root/vm-1', 2), 'RNR_ERR_NOT_NESTED', /root\/vm-1/],
    ['setParallelism 0', (j) => j.setParallelism('root', 0), 'RNR_ERR_INVALID_PARALLELISM', /0/],
    ['setParallelism 1.5', (j) => j.setParallelism('root', 1.5), 'RNR_ERR_INVALID_PARALLELISM', /1\.5/],
    [
      'a message that is not a string',
      (j) => j.setTaskState('root/vm-1', 'SKIPPED', { message: 42 as unknown as string }),
      'RNR_ERR_INVALID_OPTION',
      /message/,
    ],
    [
      'an actor that is not a string',
      (j) => j.skip('root/vm-1', { actor: 42 as unknown as string }),
      'RNR_ERR_INVALID_OPTION',
      /actor/,
    ],
    ['approve a RUNNING task', (j) => j.approve('root/vm-1'), 'RNR_ERR_NOT_ACTION_PENDING', /RUNNING/],
    ['approve a PENDING task', (j) => j.approve('root/vm-3'), 'RNR_ERR_NOT_ACTION_PENDING', /PENDING/],
    ['approve a SUCCESS task', (j) => j.approve('root/done'), 'RNR_ERR_NOT_ACTION_PENDING', /SUCCESS/],
  ];

  it.each(cases)('%s', async (_what, act, code, named) => {
    const job = await midRun();
    const snapshot = job.snapshot();
    const events = await job.events(0);
    expect(events.length).toBeGreaterThan(0);
    expectRnrError(() => act(job), code, named);
    expect(job.snapshot()).toEqual(snapshot);
    expect(await job.events(0)).toEqual(events);
    expect(job.seq).toBe(snapshot.seq);
  });
});

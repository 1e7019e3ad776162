import {
  type CallbackTaskOptions,
  callbackTask,
  createJob,
  describeError,
  MAX_MESSAGE_CHARS,
  nestedTask,
  type PollContext,
  type TaskEvent,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import {
  circular,
  errorWithThrowingGetters,
  hostileResults,
  hostileThrowables,
  revokedProxy,
  throwingPrimitive,
  trapProxy,
} from '../fixtures/hostile-values.js';

type Poll = (ctx: PollContext) => unknown;

/**
 * A job of three leaves polled side by side: `bad` runs `poll`, `before` and `after` count their
 * polls. Every event the job publishes is collected.
 */
function sandwich(poll: Poll, options: Partial<CallbackTaskOptions> = {}) {
  const polls = { before: 0, after: 0 };
  const job = createJob({
    name: 'job',
    clock: new TestClock(),
    root: nestedTask({
      name: 'job',
      parallelism: 3,
      children: [
        callbackTask({ name: 'before', poll: () => void polls.before++ }),
        callbackTask({ name: 'bad', ...options, poll: poll as CallbackTaskOptions['poll'] }),
        callbackTask({ name: 'after', poll: () => void polls.after++ }),
      ],
    }),
  });
  const published: TaskEvent[] = [];
  job.subscribe((e) => published.push(e));
  return { job, polls, published, bad: () => job.getTask('job/bad') };
}

/** A message a person can read: a non-empty string within the cap that reading never throws on. */
function expectReadable(message: string): void {
  expect(typeof message).toBe('string');
  expect(message.length).toBeGreaterThan(0);
  expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
}

const ways = [
  [
    'returned',
    (value: () => unknown): Poll =>
      () =>
        value(),
  ],
  [
    'resolved',
    (value: () => unknown): Poll =>
      async () =>
        value(),
  ],
] as const;

describe.each(ways)(
  'a poll result that fights inspection (%s) is a poll error, never a failed tick',
  (_way, make) => {
    it.each(hostileResults)('%s', async (_name, value) => {
      const { job, polls, published, bad } = sandwich(make(value), { retries: 1 });
      await expect(job.tick()).resolves.toBeUndefined();
      expect(bad().state).toBe(TaskState.RUNNING);
      expect(bad().message).toMatch(/^poll error 1\/1: /);
      await expect(job.tick()).resolves.toBeUndefined();
      expect(bad().state).toBe(TaskState.FAILED);
      expectReadable(bad().message);
      // The other tasks were polled on every tick, before and after the hostile one.
      expect(polls).toEqual({ before: 2, after: 2 });
      // What happened is committed (the store has it) and published (listeners heard it).
      const failed = (await job.events()).filter((e) => e.taskId === 'job/bad' && e.to === TaskState.FAILED);
      expect(failed).toHaveLength(1);
      expect(published.map((e) => e.seq)).toEqual((await job.events()).map((e) => e.seq));
    });
  },
);

const throwing = [
  [
    'thrown',
    (value: () => unknown): Poll =>
      () => {
        throw value();
      },
  ],
  [
    'rejected',
    (value: () => unknown): Poll =>
      () =>
        Promise.reject(value()),
  ],
] as const;

describe.each(throwing)('whatever a poll throws (%s) becomes its poll error', (_way, make) => {
  it.each(hostileThrowables)('%s', async (_name, value) => {
    const { job, polls, published, bad } = sandwich(make(value));
    await expect(job.tick()).resolves.toBeUndefined();
    expect(bad().state).toBe(TaskState.FAILED);
    expectReadable(bad().message);
    await expect(job.tick()).resolves.toBeUndefined();
    expect(polls).toEqual({ before: 2, after: 2 });
    expect((await job.events()).filter((e) => e.to === TaskState.FAILED)).toHaveLength(1);
    expect(published.map((e) => e.seq)).toEqual((await job.events()).map((e) => e.seq));
  });

  it('the message says what reading the value threw', async () => {
    const { job, bad } = sandwich(make(errorWithThrowingGetters));
    await job.tick();
    expect(bad().message).toBe(
      'an error that cannot be read (reading it threw: error message getter blew up)',
    );
  });
});

describe('ctx.log with a line that fights inspection', () => {
  it.each([
    ['a Proxy whose every trap throws', trapProxy],
    ['a revoked Proxy', revokedProxy],
    ['an object whose Symbol.toPrimitive throws', throwingPrimitive],
  ])('%s: the status line says so; the poll and the tick go on', async (_name, line) => {
    let after = 'not reached';
    const { job, bad, polls } = sandwich((ctx) => {
      ctx.log(line() as unknown as string);
      after = 'reached';
      return { message: undefined };
    });
    await expect(job.tick()).resolves.toBeUndefined();
    expect(after).toBe('reached');
    expect(bad().state).toBe(TaskState.RUNNING);
    expect(bad().message).toMatch(/^ctx\.log got a line that cannot be read as text: /);
    expect(polls).toEqual({ before: 1, after: 1 });
  });

  it('a late ctx.log (from a timer, after the poll returned) never throws into the caller', async () => {
    let saved: PollContext | undefined;
    const { job, bad } = sandwich((ctx) => {
      saved = ctx;
    });
    await job.tick();
    expect(() => saved?.log(trapProxy() as unknown as string)).not.toThrow();
    expect(bad().message).toMatch(/cannot be read as text/);
  });

  it('a Symbol or a BigInt is shown as text', async () => {
    const { job, bad } = sandwich((ctx) => {
      ctx.log(Symbol('odd') as unknown as string);
      ctx.log(12n as unknown as string);
    });
    await job.tick();
    expect(bad().message).toBe('12');
    expect((await job.events()).some((e) => e.message === 'Symbol(odd)')).toBe(true);
  });
});

describe('describeError never throws', () => {
  it.each([
    ...hostileThrowables,
    ['a Proxy of an Error whose every trap throws', () => trapProxy(new Error('x'))],
  ] as const)('%s', (_name, value) => {
    const text = describeError(value());
    expectReadable(text);
  });

  it('shows what each kind of value is', () => {
    expect(describeError(new Error('disk full'))).toBe('disk full');
    expect(describeError('plain')).toBe('plain');
    expect(describeError('')).toBe('(an empty string)');
    expect(describeError({ reason: 'quota' })).toBe('{"reason":"quota"}');
    expect(describeError(10n)).toBe('10n');
    expect(describeError(Symbol('s'))).toBe('Symbol(s)');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(circular())).toBe('[object Object]');
    expect(describeError(trapProxy())).toBe(
      'an object that cannot be read (reading it threw: proxy trap getPrototypeOf blew up)',
    );
    expect(describeError(revokedProxy())).toMatch(
      /^an object that cannot be read \(reading it threw: .*revoked/,
    );
    expect(describeError(throwingPrimitive())).toBe(
      'an object that cannot be read (reading it threw: Symbol.toPrimitive blew up)',
    );
  });
});

import { callbackTask, createJob, MAX_MESSAGE_CHARS, nestedTask, type PollContext, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { capMessage } from '../../src/engine/message-cap.js';
import { MAX_TEXT } from '../../src/server/schemas.js';
import { hugeString } from '../fixtures/hostile-values.js';

const MB5 = 5_000_000;
const marker = (cut: number) => `… [truncated ${cut.toLocaleString('en-US')} chars]`;

/** A one-leaf job whose leaf runs `poll`. */
function oneLeaf(poll: (ctx: PollContext) => unknown, retries = 0) {
  const job = createJob({
    name: 'job',
    clock: new TestClock(),
    root: nestedTask({
      name: 'job',
      children: [callbackTask({ name: 'leaf', retries, poll: poll as () => undefined })],
    }),
  });
  return { job, leaf: () => job.getTask('job/leaf') };
}

describe('capMessage', () => {
  it('keeps text of up to the limit as it is', () => {
    const text = 'x'.repeat(MAX_MESSAGE_CHARS);
    expect(capMessage(text)).toBe(text);
  });

  it.each([MAX_MESSAGE_CHARS + 1, 10_000, 1_234_567, MB5])(
    'cuts %i characters to exactly the limit, saying how many were cut',
    (n) => {
      const capped = capMessage('x'.repeat(n));
      expect(capped).toHaveLength(MAX_MESSAGE_CHARS);
      const kept = capped.indexOf('…');
      expect(capped.slice(kept)).toBe(marker(n - kept));
    },
  );

  it('never splits a surrogate pair', () => {
    for (const lead of ['', 'a']) {
      const capped = capMessage(lead + '😀'.repeat(3000));
      const kept = capped.slice(0, capped.indexOf('…'));
      expect(kept).toBe(lead + '😀'.repeat((kept.length - lead.length) / 2));
      expect(capped.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    }
  });

  it('is the limit the API puts on message and reason', () => {
    expect(MAX_TEXT).toBe(MAX_MESSAGE_CHARS);
    expect(MAX_MESSAGE_CHARS).toBe(4096);
  });
});

describe('poll messages are capped at MAX_MESSAGE_CHARS, with a marker', () => {
  it.each([
    ['a returned message', () => ({ message: hugeString(MB5) })],
    [
      'a ctx.log line',
      (ctx: PollContext) => {
        ctx.log(hugeString(MB5));
      },
    ],
  ])('%s of 5 M characters', async (_name, poll) => {
    const { job, leaf } = oneLeaf(poll);
    await job.tick();
    const { message } = leaf();
    expect(message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(message).toMatch(/^x+… \[truncated 4,99\d,\d{3} chars\]$/);
    // The store and the listeners get the capped text too.
    expect((await job.events()).at(-1)?.message).toBe(message);
  });

  it('a result with a state and a huge message: the state applies, the message is capped', async () => {
    const { job, leaf } = oneLeaf(() => ({ state: 'SKIPPED', message: hugeString(MB5) }));
    await job.tick();
    expect(leaf().state).toBe(TaskState.SKIPPED);
    expect(leaf().message).toHaveLength(MAX_MESSAGE_CHARS);
  });

  it.each([
    ['an Error', () => new Error(hugeString(MB5))],
    ['a string', () => hugeString(MB5)],
    ['an object', () => ({ detail: hugeString(MB5) })],
  ])('the text of %s thrown, with the engine’s words kept whole', async (_name, thrown) => {
    const { job, leaf } = oneLeaf(() => {
      throw thrown();
    }, 2);
    await job.tick();
    expect(leaf().message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(leaf().message).toMatch(/^poll error 1\/2: .*… \[truncated [\d,]+ chars\]$/s);
    await job.tick();
    await job.tick();
    expect(leaf().state).toBe(TaskState.FAILED);
    expect(leaf().message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(leaf().message).toMatch(/… \[truncated [\d,]+ chars\] \(after 3 consecutive poll errors\)$/);
    expect(leaf().message.match(/truncated/g)).toHaveLength(1);
  });

  it('a bad result that is a huge string is named in a short excerpt', async () => {
    const { job, leaf } = oneLeaf(() => hugeString(MB5));
    await job.tick();
    expect(leaf().state).toBe(TaskState.FAILED);
    expect(leaf().message.length).toBeLessThan(400);
    expect(leaf().message).toMatch(/^poll returned "x+… \[truncated 4,999,\d{3} chars\]: expected /);
  });

  it('a children function that throws a huge error', async () => {
    const job = createJob({
      name: 'job',
      clock: new TestClock(),
      root: nestedTask({
        name: 'job',
        children: () => {
          throw new Error(hugeString(MB5));
        },
      }),
    });
    await job.tick();
    const root = job.getTask('job', { depth: 0 });
    expect(root.state).toBe(TaskState.FAILED);
    expect(root.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(root.message).toMatch(/^children: x+… \[truncated [\d,]+ chars\]$/);
  });

  it("an operator's message and reason given through the library (the API refuses them longer)", async () => {
    const { job, leaf } = oneLeaf(() => undefined);
    await job.tick();
    const seen: { task: string; reason: string }[] = [];
    job.subscribe((e) => seen.push({ task: e.taskId, reason: e.reason }));
    await job.setTaskState('job/leaf', 'FAILED', { message: 'm'.repeat(MB5), reason: 'r'.repeat(MB5) });
    expect(leaf().message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(leaf().message).toMatch(/^m+… \[truncated [\d,]+ chars\]$/);
    const last = seen.find((e) => e.task === 'job/leaf');
    expect(last?.reason).toHaveLength(MAX_MESSAGE_CHARS);
    expect(last?.reason).toMatch(/^r+… \[truncated [\d,]+ chars\]$/);
  });
});

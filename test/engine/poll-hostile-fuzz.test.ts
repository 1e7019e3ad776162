// biome-ignore-all lint/suspicious/noThenProperty: these tests build thenables on purpose
import fc from 'fast-check';
import { callbackTask, MAX_MESSAGE_CHARS, nestedTask, type TaskEvent, TaskState } from 'rnr';
import { createTestEnvironment } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { failOnEscapes } from '../fixtures/escape-guard.js';
import { hostileResults, hostileThrowables } from '../fixtures/hostile-values.js';

failOnEscapes({ console: true });

const TRAPS = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply'] as const;

/** A value made fresh for each poll (a revoked proxy or a getter must fight every time). */
type Make = () => unknown;

const named = (list: ReadonlyArray<readonly [string, Make]>) =>
  fc.constantFrom(...list.map(([, make]) => make));

/** What gets thrown from traps and getters: anything, hostile values included. */
const throwable: fc.Arbitrary<Make> = fc.oneof(
  named(hostileThrowables),
  fc.anything({ withBigInt: true, withMap: true, withSet: true }).map((v) => () => v),
  fc.string().map((s) => () => new Error(s)),
);

/** Values that fight: proxies with some throwing traps, throwing getters, huge strings, nesting. */
const hostile: fc.Arbitrary<Make> = fc.letrec<{ value: Make }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    named(hostileResults),
    fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true }).map((v) => () => v),
    fc.integer({ min: MAX_MESSAGE_CHARS - 2, max: 300_000 }).map((n) => () => ({ message: 'y'.repeat(n) })),
    fc.record({ traps: fc.subarray([...TRAPS], { minLength: 1 }), thrown: throwable }).map(
      ({ traps, thrown }) =>
        () =>
          new Proxy(
            () => {},
            Object.fromEntries(
              traps.map((t) => [
                t,
                () => {
                  throw thrown();
                },
              ]),
            ),
          ),
    ),
    fc.record({ key: fc.constantFrom('state', 'message', 'then'), thrown: throwable }).map(
      ({ key, thrown }) =>
        () =>
          Object.defineProperty({}, key, {
            enumerable: true,
            get() {
              throw thrown();
            },
          }),
    ),
    fc.record({ state: tie('value'), message: tie('value') }).map(({ state, message }) => () => ({
      state: state(),
      message: message(),
    })),
  ),
})).value;

/** How the value reaches the engine; `fails` says the poll must end as an error. */
const deliveries = {
  return: { fails: false, poll: (v: Make) => () => v() },
  resolve: { fails: false, poll: (v: Make) => async () => v() },
  throw: {
    fails: true,
    poll: (v: Make) => () => {
      throw v();
    },
  },
  reject: { fails: true, poll: (v: Make) => () => Promise.reject(v()) },
  thenResolves: { fails: false, poll: (v: Make) => () => ({ then: (ok: (x: unknown) => void) => ok(v()) }) },
  thenRejects: {
    fails: true,
    poll: (v: Make) => () => ({ then: (_: unknown, fail: (x: unknown) => void) => fail(v()) }),
  },
  thenThrows: {
    fails: true,
    poll: (v: Make) => () => ({
      then() {
        throw v();
      },
    }),
  },
  thenNever: { fails: true, poll: () => () => ({ then() {} }) },
  log: {
    fails: false,
    poll: (v: Make) => (ctx: { log(line: string): void }) => {
      ctx.log(v() as string);
    },
  },
} as const;
type Delivery = keyof typeof deliveries;
const delivery = fc.constantFrom(...(Object.keys(deliveries) as Delivery[]));

const STATES = new Set(Object.values(TaskState).filter((s) => typeof s === 'number'));

describe('hostile poll results (fuzz)', () => {
  it('the job keeps ticking, the others are polled every tick, the hostile task ends readable', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, delivery, fc.nat(2), async (value, how, retries) => {
        const env = createTestEnvironment();
        const polls = { before: 0, after: 0 };
        const job = env.createJob({
          name: 'fuzz',
          root: nestedTask({
            name: 'fuzz',
            parallelism: 3,
            children: [
              callbackTask({ name: 'before', poll: () => void polls.before++ }),
              callbackTask({
                name: 'odd',
                retries,
                pollTimeoutMs: 1_000,
                poll: deliveries[how].poll(value) as () => undefined,
              }),
              callbackTask({ name: 'after', poll: () => void polls.after++ }),
            ],
          }),
        });
        const published: TaskEvent[] = [];
        job.subscribe((e) => published.push(e));
        const ticks = retries + 2;
        for (let i = 1; i <= ticks; i++) {
          const tick = job.tick();
          await env.advance(1_000);
          await expect(tick).resolves.toBeUndefined();
          expect(polls).toEqual({ before: i, after: i });
          const odd = job.getTask('fuzz/odd');
          expect(STATES.has(odd.state)).toBe(true);
          expect(typeof odd.message).toBe('string');
          expect(odd.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        }
        const odd = job.getTask('fuzz/odd');
        if (deliveries[how].fails) {
          expect(odd.state).toBe(TaskState.FAILED);
          expect(odd.message).not.toBe('');
        }
        // Committed, then published: the store and the listeners agree, to the last event.
        expect((await job.events()).map((e) => e.seq)).toEqual(published.map((e) => e.seq));
        expect(published.at(-1)?.seq).toBe(job.seq);
        await job.close();
      }),
      { numRuns: 150 },
    );
  });

  it('every named hostile result, however delivered, ends FAILED with a readable message', async () => {
    await fc.assert(
      fc.asyncProperty(named(hostileResults), delivery, async (value, how) => {
        if (how === 'log') return;
        const env = createTestEnvironment();
        const job = env.createJob({
          name: 'fuzz',
          root: callbackTask({
            name: 'odd',
            pollTimeoutMs: 1_000,
            poll: deliveries[how].poll(value) as () => undefined,
          }),
        });
        const tick = job.tick();
        await env.advance(1_000);
        await tick;
        const odd = job.getTask('odd');
        expect(odd.state).toBe(TaskState.FAILED);
        expect(odd.message.length).toBeGreaterThan(0);
        expect(odd.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        await job.close();
      }),
      { numRuns: 100 },
    );
  });
});

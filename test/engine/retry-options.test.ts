import { callbackTask, machineTask, RnrError } from 'rnr';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';

const machine = createMachine({ id: 'm', initial: 'a', states: { a: {} } });
const poll = () => true;

/** Each builder that takes `retry`, called with it. */
const builders: Record<string, (retry: unknown) => unknown> = {
  callbackTask: (retry) => callbackTask({ name: 't', poll, retry } as never),
  machineTask: (retry) => machineTask({ name: 't', machine, retry } as never),
};

/** A bad `retry`, and the field (and words) its error names. */
const bad: [string, unknown, RegExp][] = [
  ['not an object', 3, /retry: got 3, expected an object/],
  ['an array', [], /retry: got .*, expected an object/],
  ['no attempts', {}, /retry\.attempts: got undefined, expected an integer from 1 to 1000/],
  ['attempts 0', { attempts: 0 }, /retry\.attempts: got 0/],
  ['attempts 2.5', { attempts: 2.5 }, /retry\.attempts: got 2\.5/],
  ['attempts absurd', { attempts: 1001 }, /retry\.attempts: got 1001/],
  ['attempts a string', { attempts: '3' }, /retry\.attempts: got "3"/],
  [
    'an unknown key',
    { attempts: 3, backof: {} },
    /retry\.backof: unknown option; retry takes attempts, backoff/,
  ],
  ['backoff not an object', { attempts: 3, backoff: 30 }, /retry\.backoff: got 30/],
  ['no initialMs', { attempts: 3, backoff: {} }, /retry\.backoff\.initialMs: got undefined/],
  ['initialMs negative', { attempts: 3, backoff: { initialMs: -1 } }, /retry\.backoff\.initialMs: got -1/],
  [
    'initialMs NaN',
    { attempts: 3, backoff: { initialMs: Number.NaN } },
    /retry\.backoff\.initialMs: got NaN/,
  ],
  [
    'initialMs Infinity',
    { attempts: 3, backoff: { initialMs: Number.POSITIVE_INFINITY } },
    /retry\.backoff\.initialMs: got Infinity/,
  ],
  [
    'factor < 1',
    { attempts: 3, backoff: { initialMs: 10, factor: 0.5 } },
    /retry\.backoff\.factor: got 0\.5/,
  ],
  [
    'maxMs < initialMs',
    { attempts: 3, backoff: { initialMs: 1000, maxMs: 500 } },
    /retry\.backoff\.maxMs: got 500, expected a number of milliseconds from 1000/,
  ],
  [
    'jitter > 1',
    { attempts: 3, backoff: { initialMs: 10, jitter: 1.5 } },
    /retry\.backoff\.jitter: got 1\.5/,
  ],
  [
    'jitter < 0',
    { attempts: 3, backoff: { initialMs: 10, jitter: -0.1 } },
    /retry\.backoff\.jitter: got -0\.1/,
  ],
  [
    'an unknown backoff key',
    { attempts: 3, backoff: { initialMs: 10, max: 5 } },
    /retry\.backoff\.max: unknown option; retry\.backoff takes initialMs, factor, maxMs, jitter/,
  ],
];

describe.each(Object.keys(builders))('%s({ retry }) refuses bad values at definition time', (name) => {
  const build = builders[name] as (retry: unknown) => unknown;

  it.each(bad)('%s', (_what, retry, message) => {
    let thrown: unknown;
    try {
      build(retry);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RnrError);
    expect((thrown as RnrError).code).toBe('RNR_ERR_INVALID_OPTION');
    expect((thrown as RnrError).message).toMatch(`${name}({ name: "t" })`);
    expect((thrown as RnrError).message).toMatch(message);
  });

  it('takes good values and fills in the defaults', () => {
    const spec = build({ attempts: 5, backoff: { initialMs: 30_000 } }) as { retry: unknown };
    expect(spec.retry).toEqual({ attempts: 5, backoff: { initialMs: 30_000, factor: 2, jitter: 0 } });
    const full = build({ attempts: 1, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 1 } }) as {
      retry: unknown;
    };
    expect(full.retry).toEqual({ attempts: 1, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 1 } });
    expect((build(undefined) as { retry?: unknown }).retry).toBeUndefined();
  });
});

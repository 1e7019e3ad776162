import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  callbackTask,
  inputJsonSchema,
  isRnrError,
  isWorkflow,
  RnrError,
  validateInput,
  workflow,
} from '../../src/index.js';

const leaf = callbackTask({ name: 'noop', poll: () => true });

/** A hand-made Standard Schema v1 validator: `{ version: string }`, no library. */
function versionSchema(options: { async?: boolean } = {}): StandardSchemaV1<unknown, { version: string }> {
  const check = (value: unknown): StandardSchemaV1.Result<{ version: string }> => {
    const version = (value as { version?: unknown } | null)?.version;
    if (typeof version !== 'string')
      return { issues: [{ message: 'a version string is required', path: ['version'] }] };
    if (!/^\d+\.\d+\.\d+$/.test(version))
      return { issues: [{ message: `not a semver: ${version}`, path: [{ key: 'version' }] }] };
    return { value: { version } };
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'hand-made',
      validate: (value) => (options.async ? Promise.resolve().then(() => check(value)) : check(value)),
    },
  };
}

const refusal = async (promise: Promise<unknown>): Promise<RnrError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RnrError)) throw new Error(`expected an RnrError, got ${String(err)}`);
  return err;
};

describe('workflow()', () => {
  it('makes a frozen, branded definition with its defaults', () => {
    const wf = workflow({ name: 'rolling-upgrade', build: () => leaf });
    expect(isWorkflow(wf)).toBe(true);
    expect(Object.isFrozen(wf)).toBe(true);
    expect(wf).toMatchObject({
      name: 'rolling-upgrade',
      description: '',
      keepRuns: 100,
      schedules: [],
      labels: {},
    });
    expect(wf.concurrency).toBeUndefined();
    expect(isWorkflow({ ...wf })).toBe(false);
  });

  it.each([
    ['Upgrade', 'upper case'],
    ['-upgrade', 'a leading dash'],
    ['up grade', 'a space'],
    ['up/grade', 'a slash'],
    ['', 'empty'],
    ['a'.repeat(101), 'too long'],
  ])('refuses the name %j (%s), naming the rule', (name) => {
    expect(() => workflow({ name, build: () => leaf })).toThrow(
      /workflow\(\{ name \}\).*\[a-z0-9\]\[a-z0-9-\]\*/,
    );
  });

  it.each([
    [{ build: 'nope' }, /build: got "nope", expected a function/],
    [{ concurrency: 0 }, /concurrency: got 0, expected an integer of at least 1/],
    [{ concurrency: 1.5 }, /concurrency: got 1.5/],
    [{ keepRuns: -1 }, /keepRuns: got -1, expected an integer of at least 0/],
    [{ pollIntervalMs: 0 }, /pollIntervalMs: got 0, expected a positive number/],
    [{ input: { parse: () => 1 } }, /input: .*Standard Schema v1/],
    [{ description: 3 }, /description: got 3/],
    [{ labels: { team: 7 } }, /label "team": got 7, expected a string/],
    [{ schedules: [{ cron: '' }] }, /schedules\[0\]\.cron/],
    [{ schedules: [{ cron: '0 3 * * *', overlap: 'sometimes' }] }, /schedules\[0\]\.overlap/],
    [{ schedules: 'daily' }, /schedules: got "daily"/],
    [
      { schedules: [{ cron: '0 2 * * *' }, { cron: '61 * * * *' }] },
      /schedules\[1\]\.cron "61 \* \* \* \*": minute field "61": invalid value for minute: 61$/,
    ],
    [{ schedules: [{ cron: '0 25 * * *' }] }, /schedules\[0\]\.cron "0 25 \* \* \*": hour field "25": /],
    [
      { schedules: [{ cron: '*/0 * * * *' }] },
      /schedules\[0\]\.cron "\*\/0 \* \* \* \*": minute field "\*\/0": .*stepping/,
    ],
    [{ schedules: [{ cron: '0 0 * FOO *' }] }, /schedules\[0\]\.cron "0 0 \* FOO \*": month field "FOO": /],
    [
      { schedules: [{ cron: '0 0 2 * * *' }] },
      /schedules\[0\]\.cron "0 0 2 \* \* \*": has 6 fields; rnr takes 5 fields: minute hour day-of-month month day-of-week .*no seconds field/,
    ],
    [{ schedules: [{ cron: '0 0 2 * * * 2030' }] }, /has 7 fields; .*no seconds and no year field/],
    [
      { schedules: [{ cron: '0 2 * *' }] },
      /schedules\[0\]\.cron "0 2 \* \*": has 4 fields; expected 5 fields/,
    ],
    [{ schedules: [{ cron: '@reboot' }] }, /schedules\[0\]\.cron "@reboot": unknown shorthand/],
    [{ schedules: [{ cron: '0 0 30 2 *' }] }, /schedules\[0\]\.cron "0 0 30 2 \*": never fires/],
    [{ schedules: [{ cron: 5 }] }, /schedules\[0\]\.cron: got 5, expected a cron expression of 5 fields/],
    [
      { schedules: [{ cron: '0 2 * * *' }, { cron: '0 2 * * *', timezone: 'Mars/Olympus' }] },
      /schedules\[1\]\.timezone: unknown time zone "Mars\/Olympus": expected an IANA time zone name/,
    ],
    [
      { schedules: [{ cron: '0 2 * * *', timezone: '' }] },
      /schedules\[0\]\.timezone: got "", expected an IANA/,
    ],
    [
      { schedules: [{ cron: '0 2 * * *', overlap: 'queue' }] },
      /schedules\[0\]\.overlap: got "queue", expected 'skip' or 'allow'/,
    ],
    [
      { schedules: [{ cron: '0 2 * * *', input: [1] }] },
      /schedules\[0\]\.input: got \[1\], expected an object/,
    ],
    [
      { schedules: [{ cron: '0 2 * * *', timeZone: 'Europe/Paris' }] },
      /schedules\[0\]\.timeZone: got "Europe\/Paris", expected no such field/,
    ],
    [
      {
        schedules: [
          { cron: '0 2 * * *', input: { a: 1 } },
          { cron: '0 2 * * *', input: { a: 1 } },
        ],
      },
      /schedules\[1\]: .*expected a schedule unlike schedules\[0\], which has the same cron, timezone and input/,
    ],
  ])('refuses bad options %j, naming the field', (bad, message) => {
    const err = (() => {
      try {
        workflow({ name: 'w', build: () => leaf, ...(bad as object) });
      } catch (e) {
        return e;
      }
    })();
    expect(isRnrError(err, 'RNR_ERR_INVALID_OPTION')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('takes 5-field crons, the @ shorthands, names of days and months, and IANA time zones', () => {
    const wf = workflow({
      name: 'w',
      build: () => leaf,
      schedules: [
        { cron: '0 2 * * *' },
        { cron: '30 3 * * MON-FRI', timezone: 'Europe/Paris', overlap: 'allow', input: { deep: true } },
        { cron: '@hourly' },
        { cron: '0 0 1 JAN,JUL *', timezone: 'America/New_York' },
      ],
    });
    expect(wf.schedules.map((s) => s.cron)).toEqual([
      '0 2 * * *',
      '30 3 * * MON-FRI',
      '@hourly',
      '0 0 1 JAN,JUL *',
    ]);
    expect(Object.isFrozen(wf.schedules[1])).toBe(true);
  });

  it('keeps keepRuns: 0 (no finished runs kept) and a concurrency', () => {
    expect(workflow({ name: 'w', build: () => leaf, keepRuns: 0, concurrency: 1 })).toMatchObject({
      keepRuns: 0,
      concurrency: 1,
    });
  });
});

describe('validateInput', () => {
  it('with zod 4: returns the output (defaults filled in) and lists every issue with its path', async () => {
    const wf = workflow({
      name: 'upgrade',
      input: z.object({
        version: z.string(),
        batch: z.number().int().default(2),
        deep: z.object({ ok: z.boolean() }).optional(),
      }),
      build: ({ version, batch }) => callbackTask({ name: `${version}x${batch}`, poll: () => true }),
    });
    expect(await validateInput(wf, { version: '1.6.0' })).toEqual({ version: '1.6.0', batch: 2 });
    const err = await refusal(validateInput(wf, { batch: 'x', deep: { ok: 1 } }));
    expect(err.code).toBe('RNR_ERR_INVALID_INPUT');
    expect(err.issues?.map((i) => i.path)).toEqual(['version', 'batch', 'deep.ok']);
    expect(err.message).toMatch(/^invalid input for workflow upgrade: version: .*; batch: .*; deep\.ok: /);
    expect(err.toJSON().issues).toHaveLength(3);
  });

  it('with zod 4 async refinements', async () => {
    const wf = workflow({
      name: 'w',
      input: z.object({ v: z.string().refine(async (v) => v !== 'taken', 'that name is taken') }),
      build: () => leaf,
    });
    expect(await validateInput(wf, { v: 'free' })).toEqual({ v: 'free' });
    const err = await refusal(validateInput(wf, { v: 'taken' }));
    expect(err.issues).toEqual([{ path: 'v', message: 'that name is taken' }]);
  });

  it.each([false, true])(
    'with a hand-made validator (async: %s), path segments as keys or objects',
    async (async) => {
      const wf = workflow({
        name: 'w',
        input: versionSchema({ async }),
        build: ({ version }) => callbackTask({ name: version, poll: () => true }),
      });
      expect(await validateInput(wf, { version: '1.2.3', extra: 1 })).toEqual({ version: '1.2.3' });
      expect((await refusal(validateInput(wf, {}))).issues).toEqual([
        { path: 'version', message: 'a version string is required' },
      ]);
      expect((await refusal(validateInput(wf, { version: 'x' }))).issues).toEqual([
        { path: 'version', message: 'not a semver: x' },
      ]);
    },
  );

  it('without a validator takes any JSON object as it is, and no input as {}', async () => {
    const wf = workflow({ name: 'w', build: () => leaf });
    expect(await validateInput(wf, undefined)).toEqual({});
    const input = { a: { b: [1, 'two', null, true] } };
    const kept = await validateInput(wf, input);
    expect(kept).toEqual(input);
    expect(kept).not.toBe(input);
  });

  it.each([
    ['an array', [1], /must be a JSON object, got \[1\]/],
    ['a string', 'v=1', /must be a JSON object, got "v=1"/],
    ['null', null, /must be a JSON object, got null/],
    ['a function inside', { f: () => 1 }, /f: a function is not JSON/],
    ['NaN inside', { n: Number.NaN }, /n: NaN is not a JSON number/],
    ['a Date inside', { when: new Date(0) }, /when: a Date is not JSON/],
    ['a BigInt deep inside', { a: [{ b: 1n }] }, /a\[0\]\.b: a BigInt/],
  ])('refuses %s as input', async (_what, input, message) => {
    const err = await refusal(validateInput(workflow({ name: 'w', build: () => leaf }), input));
    expect(err.code).toBe('RNR_ERR_INVALID_INPUT');
    expect(err.message).toMatch(message);
  });

  it('refuses a circular input', async () => {
    const input: Record<string, unknown> = {};
    input.self = input;
    const err = await refusal(validateInput(workflow({ name: 'w', build: () => leaf }), input));
    expect(err.message).toMatch(/self: a circular reference is not JSON/);
  });

  it('keeps a "__proto__" key as a key, without touching any prototype', async () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as Record<
      string,
      unknown
    >;
    const kept = await validateInput(workflow({ name: 'w', build: () => leaf }), input);
    expect(Object.hasOwn(kept, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses a validator output that is not a JSON object, and a validator that throws or is broken', async () => {
    const toDate = workflow({
      name: 'w',
      input: z.object({ at: z.string().transform((s) => new Date(s)) }),
      build: () => leaf,
    });
    expect((await refusal(validateInput(toDate, { at: '2024-01-01' }))).message).toMatch(
      /at: a Date is not JSON/,
    );
    const scalar = workflow({ name: 'w', input: z.string() as never, build: () => leaf });
    expect((await refusal(validateInput(scalar, 'x'))).message).toMatch(
      /validator's output must be a JSON object/,
    );
    const throws = workflow({
      name: 'w',
      input: {
        '~standard': {
          version: 1,
          vendor: 'x',
          validate: () => {
            throw new Error('boom');
          },
        },
      },
      build: () => leaf,
    });
    expect((await refusal(validateInput(throws, {}))).message).toMatch(/the input validator threw: boom/);
    const broken = workflow({
      name: 'w',
      input: { '~standard': { version: 1, vendor: 'x', validate: () => 42 as never } },
      build: () => leaf,
    });
    expect((await refusal(validateInput(broken, {}))).message).toMatch(/validator is broken: .*returned 42/);
  });

  it('lists at most 50 issues and says how many more', async () => {
    const many = workflow({
      name: 'w',
      input: {
        '~standard': {
          version: 1,
          vendor: 'x',
          validate: () => ({
            issues: Array.from({ length: 70 }, (_, i) => ({ message: 'bad', path: ['k', i] })),
          }),
        },
      },
      build: () => leaf,
    });
    const err = await refusal(validateInput(many, {}));
    expect(err.issues).toHaveLength(50);
    expect(err.message).toMatch(/k\[0\]: bad; .*; and 20 more$/);
  });
});

describe('inputJsonSchema', () => {
  it('is the JSON Schema a validator offers through Standard JSON Schema', () => {
    const wf = workflow({
      name: 'w',
      input: z.object({ version: z.string().describe('target version') }),
      build: () => leaf,
    });
    expect(inputJsonSchema(wf)).toMatchObject({
      type: 'object',
      properties: { version: { type: 'string', description: 'target version' } },
      required: ['version'],
    });
  });

  it('is absent without a validator, for a validator that offers none, and when conversion throws', () => {
    expect(inputJsonSchema(workflow({ name: 'w', build: () => leaf }))).toBeUndefined();
    expect(
      inputJsonSchema(workflow({ name: 'w', input: versionSchema(), build: () => leaf })),
    ).toBeUndefined();
    const throwing = workflow({
      name: 'w',
      input: {
        '~standard': {
          version: 1,
          vendor: 'x',
          validate: (value: unknown) => ({ value: value as Record<string, unknown> }),
          jsonSchema: {
            input: () => {
              throw new Error('cannot');
            },
            output: () => ({}),
          },
        } as StandardSchemaV1.Props<Record<string, unknown>>,
      },
      build: () => leaf,
    });
    expect(inputJsonSchema(throwing)).toBeUndefined();
  });
});

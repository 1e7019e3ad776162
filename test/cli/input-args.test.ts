import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInputFlags } from '../../src/cli/input-args.js';

const schema = z
  .object({
    version: z.string(),
    batch: z.number().int().optional(),
    ratio: z.number().optional(),
    dryRun: z.boolean().optional(),
    zones: z.array(z.string()).optional(),
    mode: z.enum(['fast', 'safe']).optional(),
    note: z.string().nullable().optional(),
    limits: z.object({ cpu: z.number(), name: z.string() }).optional(),
    tags: z.record(z.string(), z.number()).optional(),
  })
  ['~standard'].jsonSchema.input({ target: 'draft-2020-12' });

const usageMessage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect((err as { code?: string }).code).toBe('RNR_ERR_USAGE');
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('--input without a schema', () => {
  it('is JSON when it parses (n=3 → 3), the text otherwise; dotted keys nest', () => {
    expect(
      parseInputFlags({
        pairs: ['n=3', 'ok=true', 'v=1.6.0', 'list=[1,2]', 'a.b=x', 'a.c.d=null', 'empty='],
      }),
    ).toEqual({ n: 3, ok: true, v: '1.6.0', list: [1, 2], a: { b: 'x', c: { d: null } }, empty: '' });
  });

  it('keeps everything after the first = as the value', () => {
    expect(parseInputFlags({ pairs: ['query=a=b'] })).toEqual({ query: 'a=b' });
  });

  it('merges --input over --input-json', () => {
    expect(
      parseInputFlags({ inputJson: '{"a":{"b":1,"c":2},"v":"x","n":5}', pairs: ['a.b=9', 'n.x=1'] }),
    ).toEqual({
      a: { b: 9, c: 2 },
      v: 'x',
      n: { x: 1 },
    });
  });

  it('keeps __proto__ and constructor as plain keys', () => {
    const input = parseInputFlags({ pairs: ['__proto__.polluted=1', 'constructor=2'] });
    expect(Object.hasOwn(input, '__proto__')).toBe(true);
    expect(input.constructor).toBe(2);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it.each([
    [{ pairs: ['version'] }, /--input version: expected key=value/],
    [{ pairs: ['=1'] }, /empty key segment/],
    [{ pairs: ['a..b=1'] }, /"a\.\.b" has an empty key segment/],
    [{ pairs: ['v=1', 'v=2'] }, /--input v is given twice \(v=1 and v=2\)/],
    [{ pairs: ['a=1', 'a.b=2'] }, /a=1 and --input a.b=2: a cannot be both a value and an object/],
    [{ pairs: ['a.b=2', 'a=1'] }, /a cannot be both a value and an object/],
    [{ inputJson: '{"a":' }, /--input-json is not valid JSON: "\{\\"a\\":"/],
    [{ inputJson: '[1,2]' }, /--input-json must be a JSON object .* got array/],
    [{ inputJson: '"x"' }, /got string/],
  ])('refuses %j', (flags, message) => {
    expect(usageMessage(() => parseInputFlags(flags))).toMatch(message);
  });
});

describe('--input with the input JSON Schema', () => {
  it("converts by the schema's types: strings stay strings, numbers, booleans, arrays, enums, nested", () => {
    expect(
      parseInputFlags(
        {
          pairs: [
            'version=1.10',
            'batch=4',
            'ratio=0.5',
            'dryRun=false',
            'zones=["a","b"]',
            'mode=fast',
            'note=null',
            'limits.cpu=2',
            'limits.name=123',
            'tags.x=7',
          ],
        },
        schema,
      ),
    ).toEqual({
      version: '1.10',
      batch: 4,
      ratio: 0.5,
      dryRun: false,
      zones: ['a', 'b'],
      mode: 'fast',
      note: null,
      limits: { cpu: 2, name: '123' },
      tags: { x: 7 },
    });
  });

  it('keeps a string that looks like JSON a string where the schema says string', () => {
    expect(parseInputFlags({ pairs: ['version=2', 'note=hello'] }, schema)).toEqual({
      version: '2',
      note: 'hello',
    });
  });

  it('falls back to JSON-or-text for keys the schema does not know', () => {
    expect(parseInputFlags({ pairs: ['extra=3', 'other=x'] }, schema)).toEqual({ extra: 3, other: 'x' });
  });

  it.each([
    ['batch=four', /--input batch=four: expected integer .*"four" is not JSON/],
    ['batch=1.5', /--input batch=1.5: expected integer/],
    ['dryRun=yes', /--input dryRun=yes: expected boolean/],
    ['zones=a,b', /--input zones=a,b: expected array/],
    ['limits.cpu=lots', /--input limits.cpu=lots: expected number/],
  ])('refuses %s naming the expected type', (pair, message) => {
    expect(usageMessage(() => parseInputFlags({ pairs: [pair] }, schema))).toMatch(message);
  });

  it('follows local $refs', () => {
    const withRefs = {
      type: 'object',
      properties: { size: { $ref: '#/$defs/size' } },
      $defs: { size: { type: 'integer' } },
    };
    expect(parseInputFlags({ pairs: ['size=3'] }, withRefs)).toEqual({ size: 3 });
    expect(usageMessage(() => parseInputFlags({ pairs: ['size=x'] }, withRefs))).toMatch(/expected integer/);
  });
});

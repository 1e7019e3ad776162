// The start form's pure model without a browser: a workflow's input JSON Schema → field
// descriptors → the input object, the browser-side checks, and the server's issues placed by field.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { callbackTask, inputJsonSchema, workflow } from '../../src/index.js';
import {
  type FieldValue,
  hasIssues,
  initialValues,
  inputFromValues,
  parseJsonInput,
  valuesFromInput,
} from '../../src/ui/app/model/form-values.js';
import { allFields, type Field, formFromSchema, pathKey } from '../../src/ui/app/model/schema-form.js';
import { rolloutSchema } from '../fixtures/input-schema.js';

const form = formFromSchema(rolloutSchema);
const byName = (name: string): Field => {
  const f = allFields(form.fields).find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};
const key = (...path: string[]) => pathKey(path);

/** The form's defaults with some values changed. */
function values(changes: Record<string, FieldValue> = {}): Map<string, FieldValue> {
  const v = initialValues(form);
  for (const [name, value] of Object.entries(changes)) v.set(byName(name).key, value);
  return v;
}

describe('JSON Schema → fields', () => {
  test('each property becomes the field its type asks for, with required, defaults and help', () => {
    expect(form.mode).toBe('fields');
    expect(form.open).toBe(false);
    expect(form.fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['version', 'text', true],
      ['replicas', 'number', false],
      ['strategy', 'choice', false],
      ['dryRun', 'boolean', false],
      ['zones', 'list', true],
      ['notify', 'text', false],
      ['canary', 'group', false],
      ['labels', 'json', false],
    ]);
    expect(byName('version')).toMatchObject({ help: 'Version to roll out', pattern: '^\\d+\\.\\d+\\.\\d+$' });
    expect(byName('replicas')).toMatchObject({ integer: true, min: 1, max: 50, defaultValue: 3 });
    expect(byName('replicas').hints).toEqual(['integer, 1 – 50']);
    expect(byName('strategy')).toMatchObject({
      options: [
        { value: 'rolling', label: 'rolling' },
        { value: 'blue-green', label: 'blue-green' },
      ],
      defaultValue: 'rolling',
    });
    expect(byName('notify')).toMatchObject({ inputType: 'email', format: 'email' });
    // The format says it; zod's long email pattern is not repeated as a hint.
    expect(byName('notify').hints).toEqual(['email']);
    expect(byName('zones')).toMatchObject({ item: { kind: 'text' }, minItems: 1 });
    expect(byName('zones').hints).toEqual(['at least 1 item']);
    const canary = byName('canary');
    expect(canary.kind === 'group' && canary.fields.map((f) => [f.name, f.required])).toEqual([
      ['canary.percent', true],
      ['canary.soakMinutes', true],
    ]);
    // zod's ±MAX_SAFE_INTEGER bounds are not worth saying; the exclusive bound is.
    expect(byName('canary.soakMinutes').hints).toEqual(['0 < integer']);
    expect(byName('canary.percent').hints).toEqual(['number, 0 – 100']);
  });

  test('what the form cannot draw is edited as JSON, field by field or the whole input', () => {
    const f = formFromSchema({
      type: 'object',
      properties: {
        target: {
          anyOf: [
            { type: 'object', properties: { host: { type: 'string' } } },
            { type: 'object', properties: { pool: { type: 'string' } } },
          ],
        },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
        hosts: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        anything: {},
        deep: {
          type: 'object',
          properties: {
            a: {
              type: 'object',
              properties: { b: { type: 'object', properties: { c: { type: 'object', properties: {} } } } },
            },
          },
        },
      },
    });
    expect(allFields(f.fields).map((x) => [x.name, x.kind])).toEqual([
      ['target', 'json'],
      ['pair', 'json'],
      ['hosts', 'json'],
      ['anything', 'json'],
      ['deep', 'group'],
      ['deep.a', 'group'],
      ['deep.a.b', 'group'],
      ['deep.a.b.c', 'json'],
    ]);
    expect(formFromSchema({ type: 'array', items: { type: 'string' } })).toMatchObject({
      mode: 'json',
      schemaless: false,
    });
    expect(formFromSchema(undefined)).toMatchObject({ mode: 'json', schemaless: true, fields: [] });
    expect(formFromSchema({ anyOf: [{ type: 'string' }, { type: 'number' }] }).mode).toBe('json');
  });

  test('local $refs, nullable unions, consts and unions of consts, enum arrays, draft-04 bounds', () => {
    const f = formFromSchema({
      type: 'object',
      $defs: { Version: { type: 'string', description: 'semver' } },
      properties: {
        from: { $ref: '#/$defs/Version' },
        to: { anyOf: [{ $ref: '#/$defs/Version' }, { type: 'null' }] },
        mode: { anyOf: [{ const: 'fast' }, { const: 'safe' }] },
        kind: { const: 'upgrade' },
        ttl: { type: ['integer', 'null'], minimum: 0, exclusiveMinimum: true },
        zones: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true },
        loop: { $ref: '#' },
      },
      required: ['from', 'to'],
    });
    expect(allFields(f.fields).map((x) => [x.name, x.kind, x.nullable])).toEqual([
      ['from', 'text', false],
      ['to', 'text', true],
      ['mode', 'choice', false],
      ['kind', 'choice', false],
      ['ttl', 'number', true],
      ['zones', 'list', false],
      ['loop', 'json', false],
    ]);
    expect(f.fields[1]).toMatchObject({ help: 'semver' });
    expect(f.fields[4]).toMatchObject({ exclusiveMin: 0 });
    expect(f.fields[5]).toMatchObject({ unique: true, item: { kind: 'choice' } });
    // A required nullable field left empty sends null; the rest of the form reads as expected.
    const v = valuesFromInput(f, { from: '1.0.0', mode: 'safe', zones: ['a', 'c'] });
    expect(v.leftovers).toEqual([]);
    expect(inputFromValues(f, v.values).input).toEqual({
      from: '1.0.0',
      to: null,
      mode: 'safe',
      zones: ['a', 'c'],
    });
  });
});

describe('values → input', () => {
  test('the defaults make the input, with what the operator typed converted by type', () => {
    const built = inputFromValues(
      form,
      values({ version: '1.6.0', zones: ['eu-1', '', 'us-2'], replicas: '12' }),
    );
    expect(built.issues).toEqual({ byField: new Map(), general: [] });
    expect(built.input).toEqual({
      version: '1.6.0',
      replicas: 12,
      strategy: 'rolling',
      dryRun: false,
      zones: ['eu-1', 'us-2'],
    });
    // An optional group is left out until included; then its fields are required.
    const withCanary = inputFromValues(
      form,
      values({ version: '1.6.0', zones: ['eu-1'], canary: true, 'canary.percent': '5' }),
    );
    expect(withCanary.issues.byField).toEqual(new Map([[key('canary', 'soakMinutes'), ['required']]]));
    expect(withCanary.input).toMatchObject({ canary: { percent: 5 } });
  });

  test('cheap checks name the field: required, numbers, bounds, patterns, formats, items, JSON', () => {
    const built = inputFromValues(
      form,
      values({
        version: 'latest',
        replicas: '2.5',
        zones: [],
        notify: 'ops-at-example',
        labels: '{"team": ',
        canary: true,
        'canary.percent': '150',
        'canary.soakMinutes': '0',
      }),
    );
    expect(Object.fromEntries(built.issues.byField)).toEqual({
      [key('version')]: ['does not match ^\\d+\\.\\d+\\.\\d+$'],
      [key('replicas')]: ['must be a whole number'],
      [key('zones')]: ['at least 1 item'],
      [key('notify')]: ['not an email address'],
      [key('canary', 'percent')]: ['must be at most 100'],
      [key('canary', 'soakMinutes')]: ['must be more than 0'],
      [key('labels')]: [expect.stringMatching(/^not valid JSON: /)],
    });
    expect(hasIssues(built.issues)).toBe(true);
    const items = inputFromValues(
      formFromSchema({
        type: 'object',
        properties: {
          ports: {
            type: 'array',
            items: { type: 'integer', maximum: 65535 },
            maxItems: 2,
            uniqueItems: true,
          },
        },
      }),
      new Map([[key('ports'), ['80', 'http', '99999', '80']]]),
    );
    expect(items.issues.byField.get(key('ports'))).toEqual([
      'item 2: not a number',
      'item 3: must be at most 65535',
      'at most 2 items',
      'an item is repeated',
    ]);
  });

  test('names from the schema never reach a prototype: __proto__ is an ordinary property', () => {
    const f = formFromSchema(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'));
    expect(f.fields.map((x) => x.name)).toEqual(['__proto__']);
    const built = inputFromValues(f, new Map([[key('__proto__'), 'polluted']]));
    expect(Object.getPrototypeOf(built.input)).toBe(Object.prototype);
    expect(JSON.stringify(built.input)).toBe('{"__proto__":"polluted"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('the whole input as JSON and back: what the form cannot show stays in the JSON editor', () => {
    const input = {
      version: '2.0.0',
      zones: ['a'],
      strategy: 'blue-green',
      canary: { percent: 10, soakMinutes: 30 },
    };
    const back = valuesFromInput(form, input);
    expect(back.leftovers).toEqual([]);
    expect(inputFromValues(form, back.values).input).toEqual({ ...input, dryRun: false });
    expect(
      valuesFromInput(form, { version: 1, zones: ['a'], extra: true, canary: { more: 1 } }).leftovers,
    ).toEqual(['version (1)', 'canary.more (not in the form)', 'extra (not in the form)']);
    expect(valuesFromInput(form, [1, 2]).leftovers).toEqual(['the input is not an object']);
    expect(parseJsonInput(form, '').input).toBeUndefined();
    expect(parseJsonInput(form, '[1]').issues.general).toEqual(['The input must be a JSON object.']);
    expect(parseJsonInput(form, '{"a":').issues.general[0]).toMatch(/^Not valid JSON: /);
  });
});

describe('with the schema a real validator writes', () => {
  test("zod 4's JSON Schema makes the form, and the form's input passes zod", () => {
    const input = z.object({
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .describe('Version to roll out'),
      replicas: z.int().min(1).max(50).default(3),
      strategy: z.enum(['rolling', 'blue-green']).default('rolling'),
      dryRun: z.boolean().default(false),
      zones: z.array(z.string()).min(1),
      notify: z.email().optional(),
      window: z.object({ start: z.iso.datetime(), hours: z.number().positive() }).optional(),
      note: z.string().nullable(),
      labels: z.record(z.string(), z.string()).optional(),
    });
    const wf = workflow({
      name: 'zod-form',
      input,
      build: () => callbackTask({ name: 'x', poll: () => true }),
    });
    const f = formFromSchema(inputJsonSchema(wf));
    expect(allFields(f.fields).map((x) => [x.name, x.kind, x.required])).toEqual([
      ['version', 'text', true],
      ['replicas', 'number', false],
      ['strategy', 'choice', false],
      ['dryRun', 'boolean', false],
      ['zones', 'list', true],
      ['notify', 'text', false],
      ['window', 'group', false],
      ['window.start', 'text', true],
      ['window.hours', 'number', true],
      ['note', 'text', true],
      ['labels', 'json', false],
    ]);
    const v = initialValues(f);
    const set = (name: string, value: FieldValue) =>
      v.set(allFields(f.fields).find((x) => x.name === name)!.key, value);
    set('version', '1.6.0');
    set('zones', ['eu-1']);
    set('window', true);
    set('window.start', '2025-01-31T09:00:00Z');
    set('window.hours', '2.5');
    set('labels', '{"team": "web"}');
    const built = inputFromValues(f, v);
    expect(built.issues).toEqual({ byField: new Map(), general: [] });
    expect(input.parse(built.input)).toEqual({
      version: '1.6.0',
      replicas: 3,
      strategy: 'rolling',
      dryRun: false,
      zones: ['eu-1'],
      window: { start: '2025-01-31T09:00:00Z', hours: 2.5 },
      note: null,
      labels: { team: 'web' },
    });
    // The browser's checks agree with zod's where they are cheap.
    set('window.start', 'tomorrow');
    set('window.hours', '0');
    set('notify', 'ops');
    expect([...inputFromValues(f, v).issues.byField.values()]).toEqual([
      ['not an email address'],
      ['not a date-time with a zone (2025-01-31T09:00:00Z)'],
      ['must be more than 0'],
    ]);
  });
});

// The server's RNR_ERR_INVALID_INPUT issues read from an error body (paths as the run host writes
// them, and leniently as key lists or JSON pointers) and placed by the start form's fields.
import { describe, expect, test } from 'vitest';
import { placeIssues, readIssues } from '../../src/ui/app/model/input-issues.js';
import { formFromSchema, pathKey } from '../../src/ui/app/model/schema-form.js';
import { rolloutSchema } from '../fixtures/input-schema.js';

const form = formFromSchema(rolloutSchema);
const key = (...path: string[]) => pathKey(path);

describe("the server's issues, by field", () => {
  test('paths as key lists, { key } segments, JSON pointers and dotted paths all read alike', () => {
    expect(
      readIssues({
        code: 'RNR_ERR_INVALID_INPUT',
        issues: [
          { path: ['canary', { key: 'percent' }], message: 'Too big' },
          { path: '/zones/1', message: 'Too short' },
          { path: 'labels.team', message: 'Expected string' },
          { path: 'hosts[2].name', message: 'Required' },
          { path: 'labels["a b"][0]', message: 'Quoted' },
          { path: '["x.y"].z', message: 'Dotted key' },
          { message: 'Unrecognized key: "extra"' },
        ],
      }),
    ).toEqual([
      { path: ['canary', 'percent'], message: 'Too big' },
      { path: ['zones', 1], message: 'Too short' },
      { path: ['labels', 'team'], message: 'Expected string' },
      { path: ['hosts', 2, 'name'], message: 'Required' },
      { path: ['labels', 'a b', 0], message: 'Quoted' },
      { path: ['x.y', 'z'], message: 'Dotted key' },
      { path: [], message: 'Unrecognized key: "extra"' },
    ]);
    expect(readIssues({ details: { issues: [{ path: ['a'], message: 'x' }] } })).toEqual([
      { path: ['a'], message: 'x' },
    ]);
    expect(readIssues(undefined)).toEqual([]);
  });

  test('each goes to the deepest field its path names; the rest to the top', () => {
    const issues = readIssues({
      issues: [
        { path: ['version'], message: 'Invalid semver' },
        { path: ['zones', 1], message: 'Too short' },
        { path: ['canary', 'percent'], message: 'Too big' },
        { path: ['labels', 'team'], message: 'Expected string' },
        { path: ['canary', 'extra'], message: 'Unrecognized key' },
        { path: ['nope'], message: 'Unknown' },
        { path: [], message: 'Bad input' },
      ],
    });
    const placed = placeIssues(form, issues, false);
    expect(Object.fromEntries(placed.byField)).toEqual({
      [key('version')]: ['Invalid semver'],
      [key('zones')]: ['item 2: Too short'],
      [key('canary', 'percent')]: ['Too big'],
      [key('labels')]: ['team: Expected string'],
      [key('canary')]: ['extra: Unrecognized key'],
    });
    expect(placed.general).toEqual(['nope: Unknown', 'Bad input']);
    // Editing the whole input as JSON, every issue is listed at the top with its path.
    expect(placeIssues(form, issues, true).general).toEqual([
      'version: Invalid semver',
      'zones[1]: Too short',
      'canary.percent: Too big',
      'labels.team: Expected string',
      'canary.extra: Unrecognized key',
      'nope: Unknown',
      'Bad input',
    ]);
  });
});

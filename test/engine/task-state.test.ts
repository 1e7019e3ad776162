import { EventCause, isRnrError, parseTaskState, schedulingState, TaskKind, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';
// The proto is the single source of truth (docs/proto.md): read it by reflection, not by copying it.
import { protoEnum } from '../fixtures/proto.js';

/** The forward (name → number) half of a TypeScript numeric enum. */
function forward(tsEnum: Record<string, string | number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(tsEnum)) if (typeof value === 'number') out[key] = value;
  return out;
}

/** Compares a TypeScript numeric enum with a proto enum in both directions, and its reverse names. */
function expectSameEnum(tsEnum: Record<string, string | number>, protoName: string): void {
  const proto = protoEnum(protoName);
  expect(Object.keys(proto).length).toBeGreaterThan(0);
  // name → number, both ways: no value missing on either side, none renumbered.
  expect(forward(tsEnum)).toEqual(proto);
  for (const [name, number] of Object.entries(proto)) {
    expect(tsEnum[name], `${protoName}.${name}`).toBe(number);
    // reverse names: TaskState[3] === 'SUCCESS'
    expect(tsEnum[number], `${protoName}[${number}]`).toBe(name);
  }
  // and nothing extra on the TypeScript side (a reverse entry for every number, nothing else).
  expect(Object.keys(tsEnum).length).toBe(2 * Object.keys(proto).length);
}

describe('TaskState against proto3/rnr.proto', () => {
  it('has the numbers and reverse names of the proto enum', () => {
    expectSameEnum(TaskState as unknown as Record<string, string | number>, 'TaskState');
  });

  it('is the seven states of proto3/rnr.proto, numbered as written', () => {
    expect(forward(TaskState as unknown as Record<string, string | number>)).toEqual({
      UNKNOWN: 0,
      PENDING: 1,
      RUNNING: 2,
      SUCCESS: 3,
      FAILED: 4,
      SKIPPED: 5,
      ACTION_PENDING: 6,
    });
    expect(TaskState[3]).toBe('SUCCESS');
  });

  it('TaskKind and EventCause match the proto too', () => {
    expectSameEnum(TaskKind as unknown as Record<string, string | number>, 'TaskKind');
    expectSameEnum(EventCause as unknown as Record<string, string | number>, 'EventCause');
  });

  it('the comparison notices drift (a renumbered or extra value fails it)', () => {
    const drifted = { ...TaskState, SKIPPED: 7, 7: 'SKIPPED' } as unknown as Record<string, string | number>;
    expect(() => expectSameEnum(drifted, 'TaskState')).toThrow();
    const extra = { ...TaskState, PAUSED: 7, 7: 'PAUSED' } as unknown as Record<string, string | number>;
    expect(() => expectSameEnum(extra, 'TaskState')).toThrow();
  });
});

describe('schedulingState', () => {
  it.each([
    [TaskState.UNKNOWN, 'PENDING'],
    [TaskState.PENDING, 'PENDING'],
    [TaskState.RUNNING, 'RUNNING'],
    [TaskState.ACTION_PENDING, 'RUNNING'],
    [TaskState.SUCCESS, 'DONE'],
    [TaskState.FAILED, 'DONE'],
    [TaskState.SKIPPED, 'DONE'],
  ])('%s → %s', (state, group) => {
    expect(schedulingState(state)).toBe(group);
  });

  it('covers every proto state', () => {
    for (const number of Object.values(protoEnum('TaskState'))) {
      expect(['PENDING', 'RUNNING', 'DONE']).toContain(schedulingState(number as TaskState));
    }
  });
});

describe('parseTaskState', () => {
  it('accepts every name and every number of the proto', () => {
    for (const [name, number] of Object.entries(protoEnum('TaskState'))) {
      expect(parseTaskState(name)).toBe(number);
      expect(parseTaskState(number)).toBe(number);
    }
  });

  it.each([
    ['NOPE', /NOPE/],
    ['success', /success/],
    ['', /""/],
    ['3', /"3"/],
    [7, /7/],
    [-1, /-1/],
    [2.5, /2\.5/],
    [Number.NaN, /NaN|null/],
    [null, /null/],
    [undefined, /undefined/],
    [{ state: 'SUCCESS' }, /SUCCESS/],
    ['toString', /toString/],
    ['__proto__', /__proto__/],
  ])('rejects %j with RNR_ERR_INVALID_STATE naming the value', (value, named) => {
    let caught: unknown;
    try {
      parseTaskState(value);
    } catch (err) {
      caught = err;
    }
    expect(isRnrError(caught, 'RNR_ERR_INVALID_STATE'), String(caught)).toBe(true);
    expect((caught as Error).message).toMatch(named);
  });
});

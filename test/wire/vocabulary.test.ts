// src/wire: the names the server, the CLI and the web view share, derived from the engine's enums
// (checked here against proto3/rnr.proto), the one duration format, and the one JSON encoder.
import { describe, expect, it } from 'vitest';
import { EventCause, RunTrigger, TaskKind, TaskState } from '../../src/index.js';
import { formatDuration } from '../../src/wire/duration.js';
import { eventToJson, jobToJson, summaryToJson } from '../../src/wire/encode.js';
import {
  causeNames,
  isDoneName,
  kindNames,
  kindOf,
  schedulingState,
  stateNames,
  stateOf,
} from '../../src/wire/names.js';
import { protoEnumNames } from '../fixtures/proto.js';

describe('names', () => {
  it('are the proto enums, in proto order', () => {
    expect(stateNames).toEqual(protoEnumNames('TaskState'));
    expect(kindNames).toEqual(protoEnumNames('TaskKind'));
    expect(causeNames).toEqual(protoEnumNames('EventCause'));
  });

  it('read names from the wire tolerantly: an unknown state is UNKNOWN, an unknown kind a leaf', () => {
    expect(stateOf('ACTION_PENDING')).toBe(TaskState.ACTION_PENDING);
    expect(stateOf('PAUSED_FOREVER')).toBe(TaskState.UNKNOWN);
    expect(stateOf(undefined)).toBe(TaskState.UNKNOWN);
    expect(stateOf('constructor')).toBe(TaskState.UNKNOWN);
    expect(kindOf('MACHINE')).toBe(TaskKind.MACHINE);
    expect(kindOf('toString')).toBe(TaskKind.CALLBACK);
    expect(['SUCCESS', 'FAILED', 'SKIPPED', 'RUNNING', 'nope'].map(isDoneName)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(schedulingState(stateOf('ACTION_PENDING'))).toBe('RUNNING');
  });
});

describe('formatDuration', () => {
  it('writes the two largest units, compact, truncated', () => {
    const cases: [number, string][] = [
      [0, '0ms'],
      [850, '850ms'],
      [999.9, '999ms'],
      [12_000, '12s'],
      [184_000, '3m04s'],
      [184_999, '3m04s'],
      [3_599_999, '59m59s'],
      [7_500_000, '2h05m'],
      [97_200_000, '1d03h'],
      [31 * 86_400_000, '31d00h'],
      [-1, '-'],
      [Number.NaN, '-'],
      [Number.POSITIVE_INFINITY, '-'],
    ];
    expect(cases.map(([ms]) => formatDuration(ms))).toEqual(cases.map(([, text]) => text));
  });
});

describe('the JSON encoding', () => {
  const task = {
    id: 'j',
    name: 'j',
    kind: TaskKind.NESTED,
    state: TaskState.RUNNING,
    message: '',
    paused: false,
    parallelism: 2,
    failFast: false,
    attempt: 0,
    labels: {},
    parentId: '',
    createdAt: 1,
    updatedAt: 2,
    children: [
      {
        id: 'j/a',
        name: 'a',
        kind: TaskKind.MACHINE,
        state: TaskState.ACTION_PENDING,
        message: 'approve?',
        paused: false,
        parallelism: 0,
        failFast: false,
        attempt: 1,
        labels: { zone: 'b' },
        parentId: 'j',
        createdAt: 1,
        updatedAt: 3,
        machine: { machineId: 'm', value: '"wait"', active: ['wait'], status: 'active' },
        children: [],
      },
    ],
  };

  it('writes enums by name and keeps every field', () => {
    const run = {
      workflow: 'w',
      run: 3,
      input: { v: 1 },
      trigger: RunTrigger.API,
      startedBy: 'ana',
      labels: {},
    };
    const json = jobToJson({ id: 'j', name: 'j', root: task, createdAt: 1, seq: 4, ...run });
    expect(json).toMatchObject({ workflow: 'w', run: 3, input: { v: 1 }, trigger: 'API', startedBy: 'ana' });
    expect(json.root).toMatchObject({ kind: 'NESTED', state: 'RUNNING', parallelism: 2 });
    expect(json.root.children[0]).toEqual({
      ...task.children[0],
      kind: 'MACHINE',
      state: 'ACTION_PENDING',
    });
    const counts = {
      UNKNOWN: 0,
      PENDING: 0,
      RUNNING: 1,
      SUCCESS: 0,
      FAILED: 0,
      SKIPPED: 0,
      ACTION_PENDING: 1,
    };
    expect(
      summaryToJson({
        id: 'j',
        name: 'j',
        state: TaskState.FAILED,
        counts,
        total: 2,
        seq: 4,
        createdAt: 1,
        ...run,
      }),
    ).toMatchObject({ state: 'FAILED', counts, trigger: 'API' });
  });

  it('writes an event with its states and cause by name, and a number it has no name for as digits', () => {
    const event = {
      seq: 1,
      jobId: 'j',
      taskId: 'j/a',
      from: TaskState.RUNNING,
      to: TaskState.SUCCESS,
      paused: false,
      message: '',
      cause: EventCause.OPERATOR,
      actor: 'ana',
      reason: '',
      time: 5,
      action: 'state',
      attempt: 0,
      parallelism: 0,
    };
    expect(eventToJson(event)).toEqual({ ...event, from: 'RUNNING', to: 'SUCCESS', cause: 'OPERATOR' });
    expect(eventToJson({ ...event, cause: 9 as EventCause }).cause).toBe('9');
  });
});

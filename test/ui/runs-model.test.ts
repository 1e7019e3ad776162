// The runs pages' model without a browser: the runs filter and its URL, triggers, which runs the
// inbox watches, and schedule times in a zone and relative to now.
import { describe, expect, test } from 'vitest';
import {
  inboxRuns,
  isRun,
  parseRunsFilter,
  type RunHead,
  runLabel,
  runsHref,
  triggerLabel,
} from '../../src/ui/app/model/runs.js';
import { inZone, relativeTime, toMs } from '../../src/ui/app/model/zoned-time.js';
import type { TaskStateName } from '../../src/wire/names.js';

describe('runs', () => {
  test('the filter travels in the URL: workflow, states (unknown names dropped), page', () => {
    const f = parseRunsFilter('?workflow=rolling-upgrade&state=active,FAILED,bogus,FAILED&page=abc');
    expect(f).toEqual({ workflow: 'rolling-upgrade', states: ['ACTIVE', 'FAILED'], pageToken: 'abc' });
    expect(runsHref(f)).toBe('/runs?workflow=rolling-upgrade&state=ACTIVE,FAILED&page=abc');
    expect(runsHref()).toBe('/runs');
    expect(parseRunsFilter('')).toEqual({ workflow: '', states: [] });
    // A workflow name is a query value, encoded as one.
    expect(runsHref({ workflow: 'a&b' })).toBe('/runs?workflow=a%26b');
  });

  test('triggers and labels read the same whether the wire says names or numbers', () => {
    expect(['CLI', 'API', 'SCHEDULE', 'TRIGGER_UNSPECIFIED', undefined, 3].map(triggerLabel)).toEqual([
      'cli',
      'api',
      'schedule',
      '–',
      '–',
      'schedule',
    ]);
    expect(runLabel({ id: 'rolling-upgrade-12', workflow: 'rolling-upgrade', run: 12 })).toBe(
      'rolling-upgrade #12',
    );
    expect(runLabel({ id: 'legacy', name: 'Legacy job' })).toBe('Legacy job');
    // A plain job is stored as run 1 of a workflow named after it: it is not labelled as a run.
    expect(runLabel({ id: 'legacy', name: 'Legacy job', workflow: 'legacy', run: 1 })).toBe('Legacy job');
    expect(isRun({ id: 'legacy', workflow: 'legacy', run: 1 })).toBe(false);
    expect(isRun({ id: 'legacy-1', workflow: 'legacy', run: 1 })).toBe(true);
  });

  test('the inbox watches unfinished runs and the newest run of each workflow, not old history', () => {
    const run = (workflow: string, n: number, state: TaskStateName): RunHead => ({
      id: `${workflow}-${n}`,
      workflow,
      run: n,
      state,
    });
    const list = [
      run('upgrade', 4, 'RUNNING'),
      run('upgrade', 3, 'FAILED'),
      run('certs', 9, 'FAILED'),
      run('certs', 8, 'FAILED'),
      run('upgrade', 2, 'ACTION_PENDING'),
      { id: 'legacy', workflow: 'legacy', run: 1, state: 'SUCCESS' } as RunHead,
    ];
    expect(inboxRuns(list).map((r) => r.id)).toEqual(['upgrade-4', 'certs-9', 'upgrade-2', 'legacy']);
  });
});

describe('schedule times', () => {
  const at = Date.UTC(2025, 6, 1, 1, 0); // 2025-07-01 01:00 UTC
  test("a time in the schedule's zone and with its offset; an unknown zone is undefined", () => {
    expect(inZone(at, 'Europe/Berlin')).toEqual({ text: '2025-07-01 03:00', offset: 'UTC+02:00' });
    expect(inZone(at, 'America/New_York')).toEqual({ text: '2025-06-30 21:00', offset: 'UTC-04:00' });
    expect(inZone(at, 'UTC')).toEqual({ text: '2025-07-01 01:00', offset: 'UTC+00:00' });
    expect(inZone(Date.UTC(2025, 0, 1, 1, 0), 'Europe/Berlin')?.offset).toBe('UTC+01:00');
    expect(inZone(at, 'Mars/Olympus')).toBeUndefined();
  });

  test('relative to now, both ways; times from the wire as ms or ISO text', () => {
    expect(relativeTime(at + 3 * 3600_000 + 5 * 60_000, at)).toBe('in 3h05m');
    expect(relativeTime(at - 42_000, at)).toBe('42s ago');
    expect(relativeTime(at + 300, at)).toBe('now');
    expect(toMs(at)).toBe(at);
    expect(toMs('2025-07-01T01:00:00Z')).toBe(at);
    expect(toMs(String(at))).toBe(at);
    expect([0, -5, Number.NaN, '', 'soon', undefined, null].map(toMs)).toEqual(Array(7).fill(undefined));
  });
});

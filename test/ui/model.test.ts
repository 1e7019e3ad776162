// The web view's model without a browser: the flattened task tree, the visible rows, and the
// statechart layout of the real task machine.
import { describe, expect, test } from 'vitest';
import { taskMachine } from '../../machines/index.js';
import { type ChartStateJson, layoutChart } from '../../src/ui/app/model/statechart-layout.js';
import { TaskTree } from '../../src/ui/app/model/task-tree.js';
import { visibleRows } from '../../src/ui/app/model/visible-rows.js';
import type { JobJson, TaskJson } from '../../src/wire/json.js';
import { TaskState as S, type TaskStateName } from '../../src/wire/names.js';
import { eventJson, jobJson, taskJson } from '../fixtures/wire-json.js';

const leaf = (id: string, state: TaskStateName = 'PENDING', message = ''): TaskJson =>
  taskJson({ id, state, message });
const nested = (id: string, children: TaskJson[], state: TaskStateName = 'RUNNING'): TaskJson =>
  taskJson({ id, kind: 'NESTED', state, parallelism: 2, children });

/** rollout(a(a/1 SUCCESS, a/2 RUNNING), gate ACTION_PENDING, b(b/1 FAILED, b/2)) at seq 10. */
function snapshot(): JobJson {
  return jobJson({
    id: 'rollout',
    seq: 10,
    root: nested('rollout', [
      nested('rollout/a', [leaf('rollout/a/1', 'SUCCESS'), leaf('rollout/a/2', 'RUNNING', 'upgrading 40%')]),
      leaf('rollout/gate', 'ACTION_PENDING', 'approve production'),
      nested('rollout/b', [leaf('rollout/b/1', 'FAILED', 'dpkg lock'), leaf('rollout/b/2')]),
    ]),
  });
}

describe('TaskTree', () => {
  test('flattens the snapshot in preorder with sizes, depths and counts', () => {
    const tree = new TaskTree(snapshot());
    expect(tree.ids).toEqual([
      'rollout',
      'rollout/a',
      'rollout/a/1',
      'rollout/a/2',
      'rollout/gate',
      'rollout/b',
      'rollout/b/1',
      'rollout/b/2',
    ]);
    expect([...tree.size]).toEqual([8, 3, 1, 1, 1, 3, 1, 1]);
    expect([...tree.depth]).toEqual([0, 1, 2, 2, 1, 1, 2, 2]);
    expect(tree.counts[S.RUNNING]).toBe(4);
    expect(tree.childDone(1)).toBe(1);
    expect(tree.childRunning(0)).toBe(3);
    expect([...tree.attention].map((i) => tree.ids[i])).toEqual(['rollout/gate', 'rollout/b/1']);
  });

  test('applies events: counts, parents, attention, times; drops old seqs; reports unknown tasks', () => {
    const tree = new TaskTree(snapshot());
    expect(tree.apply(eventJson({ seq: 9, taskId: 'rollout/a/2', from: 'RUNNING', to: 'FAILED' }))).toBe(
      true,
    );
    expect(tree.state[3]).toBe(S.RUNNING);
    tree.apply(
      eventJson({
        seq: 11,
        taskId: 'rollout/a/2',
        from: 'RUNNING',
        to: 'SUCCESS',
        message: 'on 1.5.0',
        time: 5000,
      }),
    );
    expect(tree.state[3]).toBe(S.SUCCESS);
    expect(tree.messages[3]).toBe('on 1.5.0');
    expect(tree.finishedAt[3]).toBe(5000);
    expect(tree.childDone(1)).toBe(2);
    tree.apply(
      eventJson({
        seq: 12,
        taskId: 'rollout/gate',
        from: 'ACTION_PENDING',
        to: 'RUNNING',
        action: 'approve',
        actor: 'alice',
        time: 6000,
      }),
    );
    expect(tree.attention.has(4)).toBe(false);
    expect(tree.approvals.get(4)?.by).toBe('alice');
    tree.apply(
      eventJson({
        seq: 13,
        taskId: 'rollout/b',
        from: 'RUNNING',
        to: 'RUNNING',
        paused: true,
        action: 'pause',
      }),
    );
    expect(tree.paused[5]).toBe(1);
    expect(tree.apply(eventJson({ seq: 14, taskId: 'rollout/c/1', from: 'PENDING', to: 'RUNNING' }))).toBe(
      false,
    );
    expect(tree.seq).toBe(13);
  });
});

describe('visibleRows', () => {
  const none = { states: new Set<number>(), text: '' };

  test('skips the subtrees of collapsed tasks', () => {
    const tree = new TaskTree(snapshot());
    expect([...visibleRows(tree, new Set(), none)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...visibleRows(tree, new Set([1]), none)]).toEqual([0, 1, 4, 5, 6, 7]);
    expect([...visibleRows(tree, new Set([0]), none)]).toEqual([0]);
  });

  test('keeps matching tasks with their ancestors, by state and by text (name, id, message)', () => {
    const tree = new TaskTree(snapshot());
    expect([...visibleRows(tree, new Set([1]), { states: new Set([S.FAILED]), text: '' })]).toEqual([
      0, 5, 6,
    ]);
    expect([...visibleRows(tree, new Set(), { states: new Set(), text: 'DPKG' })]).toEqual([0, 5, 6]);
    expect([...visibleRows(tree, new Set(), { states: new Set([S.SUCCESS]), text: 'zzz' })]).toEqual([]);
  });

  test('handles 100,000 tasks', () => {
    const children = Array.from({ length: 100 }, (_, g) =>
      nested(
        `big/g${g}`,
        Array.from({ length: 1000 }, (_, k) => leaf(`big/g${g}/t${k}`, k % 7 === 0 ? 'FAILED' : 'PENDING')),
      ),
    );
    const tree = new TaskTree(jobJson({ root: nested('big', children) }));
    expect(tree.n).toBe(100_101);
    expect(visibleRows(tree, new Set(), none).length).toBe(100_101);
    expect(visibleRows(tree, new Set(), { states: new Set([S.FAILED]), text: '' }).length).toBe(
      1 + 100 + 100 * 143,
    );
  });
});

describe('layoutChart', () => {
  test('lays out the task machine from machine.toJSON(), initial state first', () => {
    const chart = layoutChart(JSON.parse(JSON.stringify(taskMachine.toJSON())) as ChartStateJson);
    const byKey = new Map(chart.nodes.map((n) => [n.key, n]));
    expect([...byKey.keys()].sort()).toEqual([
      'ACTION_PENDING',
      'FAILED',
      'PENDING',
      'RUNNING',
      'SKIPPED',
      'SUCCESS',
      'UNKNOWN',
    ]);
    expect(byKey.get('PENDING')).toMatchObject({ initial: true, row: 0 });
    expect(byKey.get('RUNNING')?.row).toBe(1);
    const approve = chart.edges.find((e) => e.events.includes('approve'));
    expect(approve).toMatchObject({ from: byKey.get('ACTION_PENDING')?.id, to: byKey.get('RUNNING')?.id });
    expect(chart.global).toContain('retry → PENDING');
  });
});

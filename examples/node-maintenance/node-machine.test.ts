/**
 * Path tests of the node statechart with `xstate/graph`: the machine is walked event by event
 * (polls, approvals, and the results its cluster calls may produce), without a cluster and without
 * rnr. Every path is a scenario an operator could meet.
 */
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import type { EventObject, SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { createCluster } from './cluster.js';
import { createNodeMachine } from './node-machine.js';

const cluster = createCluster({ clock: new TestClock(), nodes: { n1: ['web-1'] } });
const machine = createNodeMachine(cluster);
type Snapshot = SnapshotFrom<typeof machine>;

const min = 60_000;
const done = (id: string, output?: unknown): EventObject =>
  ({ type: `xstate.done.actor.${id}`, output }) as EventObject;

/** What can happen to a node: operator events and the outcomes of each cluster call. */
const events: EventObject[] = [
  { type: 'rnr.poll' },
  { type: 'rnr.approve', by: 'alice', reason: 'PDB blocks the drain' } as EventObject,
  done('cordon', { at: 0, reboots: 0 }),
  done('evict', { remaining: 0, at: min }),
  done('evict', { remaining: 2, at: min }), // pods still leaving, within the deadline
  done('evict', { remaining: 1, at: 20 * min }), // stuck past the 15-minute deadline
  done('forceEvict'),
  done('reboot', 0),
  done('checkReady', { ready: true, at: min }),
  done('checkReady', { ready: false, at: min }),
  done('checkReady', { ready: false, at: 20 * min }), // never Ready: past the 10-minute deadline
  done('uncordon'),
];

/** The active state, plus whether pods were force-evicted: context counters stay out of it. */
const serializeState = (s: Snapshot) => `${JSON.stringify(s.value)}${s.context.forcedBy ? ' forced' : ''}`;
const options = { input: { node: 'n1' }, events: events as never, serializeState };
const trail = (steps: { event: EventObject }[]) =>
  steps.map((s) => s.event.type.replace('xstate.done.actor.', '')).filter((t) => t !== 'xstate.init');

describe('the node statechart, path by path', () => {
  const shortest = getShortestPaths(machine, options);
  const toEnd = getSimplePaths(machine, { ...options, toState: (s: Snapshot) => s.status === 'done' });

  it('reaches every state of the procedure', () => {
    const reached = new Set(shortest.map((p) => JSON.stringify(p.state.value)));
    expect([...reached].sort()).toEqual(
      [
        '"cordon"',
        '{"drain":"evicting"}',
        '{"drain":"waiting"}',
        '{"drain":"stuck"}',
        '{"drain":"forcing"}',
        '"reboot"',
        '{"waitReady":"checking"}',
        '{"waitReady":"waiting"}',
        '"uncordon"',
        '"done"',
        '"failed"',
      ].sort(),
    );
  });

  it('the shortest maintenance: cordon, evict, reboot, Ready, uncordon', () => {
    const path = shortest.find((p) => p.state.value === 'done' && !p.state.context.forcedBy);
    expect(trail(path?.steps ?? [])).toEqual(['cordon', 'evict', 'reboot', 'checkReady', 'uncordon']);
    expect(path?.state.output).toEqual({ state: 'SUCCESS', message: 'maintained' });
  });

  it('ends in exactly four ways: maintained or not Ready, each with or without a force-eviction', () => {
    const outputs = toEnd.map((p) => p.state.output?.message).sort();
    expect(outputs).toEqual([
      'maintained',
      'maintained (pods force-evicted, approved by alice)',
      'not Ready 10 min after its reboot: left cordoned',
      'not Ready 10 min after its reboot: left cordoned',
    ]);
    for (const path of toEnd) {
      const failed = path.state.value === 'failed';
      expect(path.state.output?.state).toBe(failed ? 'FAILED' : 'SUCCESS');
      // A failed node is never uncordoned: it stays out of service for a human.
      expect(trail(path.steps).includes('uncordon')).toBe(!failed);
    }
  });

  it('force-evicts only after an operator approved it, from the ACTION_PENDING state', () => {
    let forced = 0;
    for (const path of [...shortest, ...toEnd]) {
      path.steps.forEach((step, i) => {
        if ((step.event as EventObject).type !== 'xstate.done.actor.forceEvict') return;
        forced++;
        const approval = path.steps.findIndex((s) => s.event.type === 'rnr.approve');
        expect(approval).toBeGreaterThanOrEqual(0);
        expect(approval).toBeLessThan(i);
        expect(path.steps[approval - 1]?.state.hasTag('action-pending')).toBe(true);
      });
    }
    expect(forced).toBeGreaterThan(4);
  });

  it('asks for an operator only when pods are stuck past the deadline', () => {
    const pending = shortest.filter((p) => p.state.hasTag('action-pending'));
    expect(pending.map((p) => p.state.value)).toEqual([{ drain: 'stuck' }]);
    const last = pending[0]?.steps.at(-1)?.event as { output?: { remaining: number; at: number } };
    expect(last.output).toEqual({ remaining: 1, at: 20 * min });
  });

  it('never reboots a node that still has pods, nor uncordons one that is not Ready', () => {
    for (const path of toEnd) {
      const steps = path.steps.map((s) => s.event as EventObject & { output?: Record<string, unknown> });
      const reboot = steps.findIndex((e) => e.type === 'xstate.done.actor.reboot');
      const cleared = steps.findIndex(
        (e) =>
          e.type === 'xstate.done.actor.forceEvict' ||
          (e.type === 'xstate.done.actor.evict' && e.output?.remaining === 0),
      );
      expect(cleared).toBeGreaterThanOrEqual(0);
      expect(cleared).toBeLessThan(reboot);
      const uncordon = steps.findIndex((e) => e.type === 'xstate.done.actor.uncordon');
      if (uncordon >= 0) expect(steps[uncordon - 1]?.output?.ready).toBe(true);
    }
    expect(toEnd.filter((p) => p.state.value === 'done')).toHaveLength(2);
  });

  it('gives every state an operator-readable message', () => {
    for (const path of shortest) {
      if (path.state.status === 'done') continue;
      const messages = Object.values(path.state.getMeta()).filter((m) => typeof m?.message === 'string');
      expect(messages.length, JSON.stringify(path.state.value)).toBeGreaterThan(0);
    }
  });
});

/** The simulated cluster on its own: what the workflow's tests rely on it to do. */
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { createCluster } from './cluster.js';

const setup = (options: { brokenNodes?: string[]; apiLatencyMs?: number } = {}) => {
  const clock = new TestClock();
  const cluster = createCluster({
    clock,
    nodes: { 'node-1': ['web-1', 'db-0'], 'node-2': [] },
    protectedPods: ['db-0'],
    podTerminationMs: 60_000,
    rebootMs: 180_000,
    ...options,
  });
  return { clock, cluster };
};

describe('simulated cluster', () => {
  it('evicts politely: pods leave after their termination time, protected ones stay', async () => {
    const { clock, cluster } = setup();
    await cluster.cordon('node-1');
    expect(await cluster.evict('node-1')).toBe(2);
    await clock.advance(59_000);
    expect((await cluster.describeNode('node-1')).pods).toEqual(['web-1', 'db-0']);
    await clock.advance(1_000);
    expect(await cluster.evict('node-1')).toBe(1);
    expect((await cluster.describeNode('node-1')).pods).toEqual(['db-0']);
    await cluster.forceEvict('node-1');
    expect(await cluster.evict('node-1')).toBe(0);
    expect(cluster.history.map((h) => h.action)).toEqual(['cordon', 'evict', 'force-evict']);
  });

  it('keeps a rebooted node NotReady for the reboot time; a broken one for ever', async () => {
    const { clock, cluster } = setup({ brokenNodes: ['node-2'] });
    await cluster.reboot('node-1');
    await cluster.reboot('node-2');
    expect((await cluster.describeNode('node-1')).ready).toBe(false);
    await clock.advance(180_000);
    expect(await cluster.describeNode('node-1')).toMatchObject({ ready: true, reboots: 1 });
    expect((await cluster.describeNode('node-2')).ready).toBe(false);
  });

  it('answers after its latency, with the change made at once', async () => {
    const { clock, cluster } = setup({ apiLatencyMs: 5_000 });
    let answered = false;
    const call = cluster.cordon('node-1').then(() => {
      answered = true;
    });
    expect(cluster.history).toHaveLength(1);
    await clock.advance(4_999);
    expect(answered).toBe(false);
    await clock.advance(1);
    await call;
    expect(answered).toBe(true);
  });

  it('rejects a call about a node it does not have', async () => {
    const { cluster } = setup();
    await expect(cluster.cordon('node-9')).rejects.toThrow('node "node-9" not found');
  });
});

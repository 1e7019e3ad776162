import { memoryStore, TaskState } from 'rnr';
import { createTestEnvironment, hours, minutes, seconds } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type ClusterAction, type ClusterOptions, createCluster } from './cluster.js';
import { createNodeMaintenance, demo } from './workflow.js';

const nodeTask = (node: string) => `node-maintenance/${node}`;

/** Five nodes; node-3 runs db-0, which a PodDisruptionBudget protects. Polled every 30 s. */
function setup(overrides: Partial<ClusterOptions> = {}) {
  const env = createTestEnvironment();
  const cluster = createCluster({
    clock: env.clock,
    nodes: {
      'node-1': ['web-1', 'api-1'],
      'node-2': ['web-2'],
      'node-3': ['web-3', 'db-0'],
      'node-4': ['api-2'],
      'node-5': ['web-4', 'cache-1'],
    },
    protectedPods: ['db-0'],
    ...overrides,
  });
  const store = memoryStore();
  const create = () => createNodeMaintenance({ cluster, clock: env.clock, store });
  return { env, cluster, create, job: create() };
}

const actions = (history: readonly ClusterAction[], action: ClusterAction['action']) =>
  history.filter((h) => h.action === action).map((h) => h.node);

/** The most nodes ever cordoned at once, replayed from the cluster's history. */
function maxCordoned(history: readonly ClusterAction[]): number {
  const out = new Set<string>();
  let max = 0;
  for (const h of history) {
    if (h.action === 'cordon') out.add(h.node);
    if (h.action === 'uncordon') out.delete(h.node);
    max = Math.max(max, out.size);
  }
  return max;
}

describe('node maintenance', () => {
  it('reboots every node, two at a time, force-evicting db-0 once an operator approves', async () => {
    const { env, cluster, job } = setup();
    const report = await env.run(job, { for: hours(4), approve: true, actor: 'alice' });

    expect(report.state).toBe(TaskState.SUCCESS);
    const all = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
    expect(actions(cluster.history, 'reboot').sort()).toEqual(all); // once each
    expect(actions(cluster.history, 'uncordon').sort()).toEqual(all);
    expect(actions(cluster.history, 'force-evict')).toEqual(['node-3']);
    expect(maxCordoned(cluster.history)).toBe(2);
    for (const node of all) expect((await cluster.describeNode(node)).cordoned).toBe(false);
    expect(job.getTask(nodeTask('node-3'))).toMatchObject({
      state: TaskState.SUCCESS,
      message: 'maintained (pods force-evicted, approved by alice)',
      approval: { by: 'alice' },
      labels: { node: 'node-3' },
      machine: { machineId: 'node-maintenance', value: '"done"', status: 'done' },
    });
  });

  it('waits for the operator at node-3 (ACTION_PENDING), the rest of the rollout carrying on', async () => {
    const { env, cluster, job } = setup();
    const waiting = await env.run(job, { for: hours(2) });

    expect(waiting.state).toBe(TaskState.RUNNING);
    const node3 = job.getTask(nodeTask('node-3'));
    expect(node3).toMatchObject({
      state: TaskState.ACTION_PENDING,
      message: 'pods stuck past the drain deadline: approve to force-evict them',
      machine: { value: '{"drain":"stuck"}', active: ['drain', 'drain.stuck'], status: 'active' },
    });
    expect(actions(cluster.history, 'force-evict')).toEqual([]);
    expect((await cluster.describeNode('node-3')).pods).toEqual(['db-0']);
    // node-3 holds one of the two slots; the other slot went on through node-5.
    expect(actions(cluster.history, 'uncordon').sort()).toEqual(['node-1', 'node-2', 'node-4', 'node-5']);

    const approvedAt = env.clock.now();
    await job.approve(nodeTask('node-3'), { actor: 'bob', reason: 'db-0 has a replica on node-1' });
    const report = await env.run(job, { for: hours(1) });
    expect(report.state).toBe(TaskState.SUCCESS);
    const forced = cluster.history.find((h) => h.action === 'force-evict');
    expect(forced?.at).toBeGreaterThanOrEqual(approvedAt);
    expect(job.getTask(nodeTask('node-3')).approval).toMatchObject({
      by: 'bob',
      reason: 'db-0 has a replica on node-1',
    });
  });

  it('halts the rollout at a node that does not come back Ready, until an operator skips it', async () => {
    const { env, cluster, job } = setup({ brokenNodes: ['node-2'] });
    const halted = await env.run(job, { for: hours(4), approve: true });

    expect(halted.state).toBe(TaskState.FAILED);
    expect(job.getTask(nodeTask('node-2'))).toMatchObject({
      state: TaskState.FAILED,
      message: 'not Ready 10 min after its reboot: left cordoned',
      machine: { value: '"failed"', status: 'done' },
    });
    expect((await cluster.describeNode('node-2')).cordoned).toBe(true);
    // node-3 had started beside node-2 and finishes; nothing new starts after the failure.
    expect(job.getTask(nodeTask('node-4')).state).toBe(TaskState.PENDING);
    expect(job.getTask(nodeTask('node-5')).state).toBe(TaskState.PENDING);
    expect(actions(cluster.history, 'cordon')).not.toContain('node-4');

    await job.skip(nodeTask('node-2'), { actor: 'carol', reason: 'hardware ticket 4711' });
    const report = await env.run(job, { for: hours(4), approve: true });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(actions(cluster.history, 'uncordon').sort()).toEqual(['node-1', 'node-3', 'node-4', 'node-5']);
  });

  it('a retried node starts its procedure afresh (attempt 1) and does not reboot twice needlessly', async () => {
    const { env, cluster, job } = setup({ brokenNodes: ['node-1'], nodes: { 'node-1': ['web-1'] } });
    await env.run(job, { for: hours(1) });
    expect(job.getTask(nodeTask('node-1')).state).toBe(TaskState.FAILED);
    await job.retry(nodeTask('node-1'), { actor: 'carol', reason: 'BMC reset' });
    await env.run(job, { for: minutes(5) });
    expect(job.getTask(nodeTask('node-1'))).toMatchObject({ attempt: 1, state: TaskState.RUNNING });
    expect(actions(cluster.history, 'reboot')).toEqual(['node-1', 'node-1']); // one per attempt
  });

  it('resumes after a restart where each node was, without rebooting a node twice', async () => {
    const { env, cluster, create, job } = setup();
    await env.run(job, { for: minutes(2) }); // node-1 and node-2 rebooted, waiting for Ready
    expect(job.getTask(nodeTask('node-1')).machine?.value).toBe('{"waitReady":"waiting"}');
    await job.close();

    const again = create();
    await again.load();
    expect(again.resumed).toBeDefined();
    expect(again.getTask(nodeTask('node-1')).machine?.value).toBe('{"waitReady":"waiting"}');
    const report = await env.run(again, { for: hours(4), approve: true });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(actions(cluster.history, 'reboot').sort()).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-4',
      'node-5',
    ]);
  });

  it('a restart while a reboot call is in flight runs it again, and the reboot is not repeated', async () => {
    const { env, cluster, create, job } = setup({ apiLatencyMs: 5_000, nodes: { 'node-1': ['web-1'] } });
    // Each call answers after 5 s. Pods evicted at 5 s are gone at 65 s; the 90 s poll finds none
    // (95 s), asks for the reboot count (100 s) and sends the reboot, whose answer is due at 105 s.
    await env.run(job, { for: seconds(102) });
    expect(job.getTask(nodeTask('node-1')).machine?.value).toBe('"reboot"');
    expect(actions(cluster.history, 'reboot')).toEqual(['node-1']);
    await job.close();

    const again = create(); // the reboot actor's promise runs again: it finds the node rebooted
    const report = await env.run(again, { for: hours(1) });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(actions(cluster.history, 'reboot')).toEqual(['node-1']);
  });

  it('the demo (what `rnr run` runs) finishes in minutes with its approval', async () => {
    const env = createTestEnvironment();
    const job = await env.startRun(demo({ clock: env.clock, brokenNodes: [] }));
    const report = await env.run(job, { for: hours(1), approve: true });
    expect(report.state).toBe(TaskState.SUCCESS);
    expect(report.elapsedMs).toBeLessThan(minutes(10));
    expect(job.getTask(nodeTask('node-3')).approval).toBeDefined();
  });
});

import { type Job, memoryStore, type TaskEvent, TaskState } from 'rnr';
import { createTestEnvironment, hours, minutes } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { createFleet, type Fleet, type FleetOptions } from './fleet.js';
import { createRollingUpgrade, demo, rollingUpgradeWorkflow, zones } from './workflow.js';

const gate = 'rolling-upgrade/approve-production';
const vmTask = (vm: string) => `rolling-upgrade/${vm}`;

/** A test fleet: 17 VMs whose upgrades take 20 to 40 minutes, so a rollout takes hours. */
function setup(fleetOptions: Partial<FleetOptions> = {}) {
  const env = createTestEnvironment();
  const fleet = createFleet({
    zones: { canary: 1, staging: 4, production: 12 },
    version: '1.4.2',
    clock: env.clock,
    upgradeMs: [minutes(20), minutes(40)],
    ...fleetOptions,
  });
  const store = memoryStore();
  const create = () => createRollingUpgrade({ fleet, version: '1.5.0', clock: env.clock, store });
  return { env, fleet, store, create, job: create() };
}

async function versions(fleet: Fleet, zone?: string): Promise<string[]> {
  const vms = fleet.inventory().filter((vm) => zone === undefined || vm.zone === zone);
  return Promise.all(vms.map(async (vm) => (await fleet.describeVm(vm.id)).version));
}

/** The most leaves of a zone that were ever active at once, replayed from the job's events. */
function maxActive(events: readonly TaskEvent[], zone: string): number {
  const prefix = `rolling-upgrade/${zone}/`;
  const active = new Set<string>();
  let max = 0;
  for (const event of events) {
    if (!event.taskId.startsWith(prefix)) continue;
    if (event.to === TaskState.RUNNING || event.to === TaskState.ACTION_PENDING) active.add(event.taskId);
    else active.delete(event.taskId);
    max = Math.max(max, active.size);
  }
  return max;
}

describe('rolling upgrade', () => {
  it('upgrades every VM, zone by zone, once production is approved', async () => {
    const { env, fleet, job } = setup();
    const report = await env.run(job, { for: hours(12), approve: true, actor: 'alice' });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(report.elapsedMs).toBeGreaterThan(hours(3)); // hours of 30-second polls, on the simulated clock
    expect(await versions(fleet)).toEqual(Array(17).fill('1.5.0'));
    expect(fleet.history).toHaveLength(17); // one upgrade per VM
    expect(job.getTask(gate).approval?.by).toBe('alice');
    expect(job.getTask(vmTask('production/vm-1')).labels).toEqual({ zone: 'production', vm: 'vm-1' });

    // Zones ran in order: the last canary VM finished before the first staging VM started.
    const firstStart = (zone: string) =>
      Math.min(...fleet.history.filter((h) => h.vm.startsWith(zone)).map((h) => h.at));
    expect(firstStart('canary')).toBeLessThan(firstStart('staging'));
    expect(firstStart('staging')).toBeLessThan(firstStart('production'));
  });

  it('waits at the gate until an operator approves production', async () => {
    const { env, fleet, job } = setup();

    const waiting = await env.run(job, { for: hours(12) });

    expect(waiting.state).toBe(TaskState.RUNNING);
    expect(job.getTask(gate).state).toBe(TaskState.ACTION_PENDING);
    expect(job.getTask(gate).message).toBe(
      "Upgrade production to 1.5.0? Waiting for an operator's approval.",
    );
    expect(await versions(fleet, 'staging')).toEqual(Array(4).fill('1.5.0'));
    expect(await versions(fleet, 'production')).toEqual(Array(12).fill('1.4.2'));
    expect(fleet.history.filter((h) => h.vm.startsWith('production/'))).toEqual([]);

    await job.approve(gate, { actor: 'bob', reason: 'staging looks healthy' });
    const report = await env.run(job, { for: hours(12) });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask(gate).approval?.by).toBe('bob');
    expect(await versions(fleet, 'production')).toEqual(Array(12).fill('1.5.0'));
  });

  it('halts the rollout when a VM fails, and carries on when the operator retries it', async () => {
    const { env, fleet, job } = setup({ failures: { 'staging/vm-2': 1 } });

    const halted = await env.run(job, { for: hours(12), approve: true });

    expect(halted.state).toBe(TaskState.FAILED);
    expect(job.getTask(vmTask('staging/vm-2')).state).toBe(TaskState.FAILED);
    expect(job.getTask(vmTask('staging/vm-2')).message).toMatch(/^upgrade to 1\.5\.0 failed: /);
    expect(job.getTask('rolling-upgrade/staging').state).toBe(TaskState.FAILED);
    expect(job.getTask(vmTask('staging/vm-4')).state).toBe(TaskState.PENDING); // failFast: not started
    expect(job.getTask(gate).state).toBe(TaskState.PENDING);
    expect(fleet.history.filter((h) => h.vm.startsWith('production/'))).toEqual([]);

    await job.retry(vmTask('staging/vm-2'), { actor: 'carol', reason: 'flaky health check' });
    const report = await env.run(job, { for: hours(12), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask(vmTask('staging/vm-2')).attempt).toBe(1);
    expect(fleet.history.filter((h) => h.vm === 'staging/vm-2').map((h) => h.key)).toEqual([
      'rolling-upgrade:rolling-upgrade/staging/vm-2#0',
      'rolling-upgrade:rolling-upgrade/staging/vm-2#1',
    ]);
    expect(await versions(fleet)).toEqual(Array(17).fill('1.5.0'));
  });

  it('carries on without a failed VM that the operator skips', async () => {
    const { env, fleet, job } = setup({ failures: { 'canary/vm-1': 1 } });

    expect((await env.run(job, { for: hours(12), approve: true })).state).toBe(TaskState.FAILED);
    expect(fleet.history).toHaveLength(1);

    await job.skip(vmTask('canary/vm-1'), { actor: 'carol', reason: 'canary host is being replaced' });
    const report = await env.run(job, { for: hours(12), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask(vmTask('canary/vm-1')).state).toBe(TaskState.SKIPPED);
    expect(await versions(fleet, 'canary')).toEqual(['1.4.2']);
    expect(await versions(fleet, 'production')).toEqual(Array(12).fill('1.5.0'));
  });

  it('never upgrades more VMs of a zone at once than its parallelism', async () => {
    const { env, job } = setup();

    const report = await env.run(job, { for: hours(12), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    for (const { zone, parallelism } of zones) {
      expect(maxActive(report.events, zone), zone).toBe(parallelism);
    }
  });

  it('widens a zone when an operator raises its parallelism mid-rollout', async () => {
    const { env, job } = setup();
    env.at(hours(2), async () => {
      await job.setParallelism('rolling-upgrade/production', 6, { actor: 'test', reason: 'going well' });
    });

    const report = await env.run(job, { for: hours(12), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(maxActive(report.events, 'production')).toBe(6);
    expect(maxActive(report.events, 'staging')).toBe(2);
  });

  it('runs a scripted operator: a skip at 2h leaves that VM alone', async () => {
    const { env, fleet, job } = setup();
    const target = vmTask('production/vm-12');
    let stateAtSkip: TaskState | undefined;
    env.at(hours(2), async () => {
      stateAtSkip = job.getTask(target).state;
      await job.skip(target, { actor: 'test', reason: 'host is being decommissioned' });
    });

    const report = await env.run(job, { for: hours(12), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(stateAtSkip).toBe(TaskState.PENDING); // production was under way, vm-12 not yet
    expect(job.getTask(target).state).toBe(TaskState.SKIPPED);
    expect(fleet.history.some((h) => h.vm === 'production/vm-12')).toBe(false);
    expect(await versions(fleet, 'production')).toEqual([...Array(11).fill('1.5.0'), '1.4.2']);
  });

  describe('after a restart mid-rollout', () => {
    /** Runs the first job for 1h (upgrades in flight), then closes it as a crash would end it. */
    async function interrupted() {
      const setupResult = setup();
      const { env, fleet, job } = setupResult;
      await env.run(job, { for: hours(1), approve: true });
      await job.close();
      const inFlight = await Promise.all(fleet.inventory().map((vm) => fleet.describeVm(vm.id)));
      expect(inFlight.some((vm) => vm.upgrade?.status === 'running')).toBe(true);
      return setupResult;
    }

    function expectOneUpgradePerVm(fleet: Fleet) {
      const vms = fleet.history.map((h) => h.vm);
      expect(new Set(vms).size).toBe(vms.length);
      expect(vms).toHaveLength(17);
    }

    it('resumes from the store without starting duplicate upgrades', async () => {
      const { env, fleet, create } = await interrupted();

      const resumed: Job = create(); // same id, same store
      await resumed.load();
      expect(resumed.resumed).toBeDefined();
      const report = await env.run(resumed, { for: hours(12), approve: true });

      expect(report.state).toBe(TaskState.SUCCESS);
      expectOneUpgradePerVm(fleet);
    });

    it('adopts the running upgrades even when the job state is lost', async () => {
      const { env, fleet } = await interrupted();

      // A fresh store: every task starts again from PENDING and asks the fleet first.
      const fresh = createRollingUpgrade({ fleet, version: '1.5.0', clock: env.clock, store: memoryStore() });
      const report = await env.run(fresh, { for: hours(12), approve: true });

      expect(report.state).toBe(TaskState.SUCCESS);
      expect(fresh.getTask(vmTask('canary/vm-1')).message).toBe('running 1.5.0');
      expectOneUpgradePerVm(fleet);
    });
  });

  it('runs the demo of `npm start`: the gate after 1 to 3 minutes, then production', async () => {
    const env = createTestEnvironment();
    const job = await env.startRun(demo({ clock: env.clock }), { input: { version: '1.5.0' } });
    const start = env.clock.now();

    const report = await env.run(job, { for: hours(1), approve: true });

    expect(report.state).toBe(TaskState.SUCCESS);
    const gateOpened = report.events.find((e) => e.taskId === gate && e.to === TaskState.ACTION_PENDING);
    expect(gateOpened).toBeDefined();
    const toGate = (gateOpened?.time ?? 0) - start;
    expect(toGate).toBeGreaterThan(minutes(1));
    expect(toGate).toBeLessThan(minutes(3));
    expect(job.pollIntervalMs).toBe(3_000);
  });

  describe('as a workflow', () => {
    it('upgrades to the version of its input, one numbered run after another', async () => {
      const env = createTestEnvironment();
      const fleet = createFleet({
        zones: { canary: 1, staging: 2, production: 2 },
        version: '1.4.2',
        clock: env.clock,
      });
      const upgrade = rollingUpgradeWorkflow({ fleet: () => fleet });

      const first = await env.startRun(upgrade, { input: { version: '1.5.0' }, startedBy: 'alice' });
      expect(first.summary()).toMatchObject({
        id: 'rolling-upgrade-1',
        input: { version: '1.5.0' },
        startedBy: 'alice',
      });
      expect((await env.run(first, { for: hours(12), approve: true })).stateName).toBe('SUCCESS');

      const second = await env.startRun(upgrade, { input: { version: '1.6.0' } });
      expect(second.id).toBe('rolling-upgrade-2');
      expect((await env.run(second, { for: hours(12), approve: true })).stateName).toBe('SUCCESS');
      expect(await versions(fleet)).toEqual(Array(5).fill('1.6.0'));
    });

    it('refuses a version that is not one, starting nothing', async () => {
      const env = createTestEnvironment();
      const upgrade = rollingUpgradeWorkflow({
        fleet: () => createFleet({ zones: { canary: 1 }, version: '1.4.2', clock: env.clock }),
      });
      await expect(env.startRun(upgrade, { input: { version: 'latest' } })).rejects.toMatchObject({
        code: 'RNR_ERR_INVALID_INPUT',
        issues: [{ path: 'version', message: 'a version like 1.6.0' }],
      });
      await expect(env.startRun(upgrade, {})).rejects.toThrow(/version: /);
      expect((await env.runs.list()).jobs).toEqual([]);
    });
  });
});

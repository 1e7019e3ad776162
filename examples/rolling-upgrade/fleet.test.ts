import { describe, expect, it } from 'vitest';
import { createFleet, type FleetOptions } from './fleet.js';

/** A fleet on a hand-moved clock. */
function setup(options: Partial<FleetOptions> = {}) {
  let now = 1_000_000;
  const fleet = createFleet({
    zones: { staging: 2, production: 20 },
    version: '1.0.0',
    clock: { now: () => now },
    upgradeMs: [60_000, 120_000],
    ...options,
  });
  return { fleet, advance: (ms: number) => (now += ms) };
}

describe('simulated fleet', () => {
  it('finishes an upgrade once its time has come, without timers', async () => {
    const { fleet, advance } = setup();
    const started = await fleet.startUpgrade('staging/vm-1', '2.0.0', { key: 'k' });
    expect(started).toMatchObject({ key: 'k', from: '1.0.0', to: '2.0.0', status: 'running', progress: 0 });

    advance(30_000);
    expect((await fleet.describeVm('staging/vm-1')).upgrade?.progress).toBeGreaterThan(0);
    await expect(fleet.startUpgrade('staging/vm-1', '2.0.0', { key: 'other' })).rejects.toThrow(
      /already running/,
    );

    advance(120_000);
    const vm = await fleet.describeVm('staging/vm-1');
    expect(vm.version).toBe('2.0.0');
    expect(vm.upgrade).toMatchObject({ status: 'succeeded', progress: 100 });
  });

  it('fails the upgrades it is told to fail, and then succeeds', async () => {
    const { fleet, advance } = setup({ failures: { 'staging/vm-2': 1 } });
    await fleet.startUpgrade('staging/vm-2', '2.0.0', { key: 'first' });
    advance(120_000);
    const failed = await fleet.describeVm('staging/vm-2');
    expect(failed.version).toBe('1.0.0');
    expect(failed.upgrade?.status).toBe('failed');
    expect(failed.upgrade?.error).toEqual(expect.any(String));

    await fleet.startUpgrade('staging/vm-2', '2.0.0', { key: 'second' });
    advance(120_000);
    expect((await fleet.describeVm('staging/vm-2')).version).toBe('2.0.0');
  });

  it('fails at random at the given rate, the same way for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const { fleet, advance } = setup({ failureRate: 0.3, seed });
      const ids = fleet.inventory().map((vm) => vm.id);
      for (const id of ids) await fleet.startUpgrade(id, '2.0.0', { key: id });
      advance(120_000);
      return Promise.all(ids.map(async (id) => (await fleet.describeVm(id)).upgrade?.status));
    };

    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(await outcomes(8)).not.toEqual(first);
    const failures = first.filter((status) => status === 'failed').length;
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(first.length);
  });
});

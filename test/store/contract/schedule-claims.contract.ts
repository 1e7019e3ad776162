/**
 * The contract of `claimScheduleFire`: the first caller of a fire time wins, every later one (in
 * this process or another sharing the store) loses; a time at or before one claimed is refused,
 * even once its claim was pruned; claims survive a restart; bad arguments are refused. Run against
 * every store by contract.test.ts.
 */
import { SCHEDULE_FIRES_KEPT, type Store } from 'rnr';
import { describe, expect, it } from 'vitest';
import { closeStore, restart, type StoreFactory } from './factories.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 2);

function claim(store: Store, at: number, schedule = '0 2 * * *', workflow = 'nightly'): Promise<boolean> {
  if (!store.claimScheduleFire) throw new Error(`${store.description} has no claimScheduleFire`);
  return store.claimScheduleFire(workflow, schedule, at);
}

/** Registers the schedule-claim tests for one kind of store. */
export function scheduleClaimsContract(factory: StoreFactory): void {
  describe(`${factory.name}: schedule fire claims`, () => {
    it('the first caller of a fire time wins; the same time again, or an earlier one, loses', async () => {
      const location = await factory.location();
      const store = location.open();
      const other = location.open(); // another process, when the store is durable
      try {
        expect(await claim(store, T0)).toBe(true);
        expect(await claim(other, T0)).toBe(false);
        expect(await claim(store, T0)).toBe(false);
        expect(await claim(other, T0 - HOUR)).toBe(false);
        // Another schedule, another workflow: their own times.
        expect(await claim(other, T0, '0 2 * * * #2')).toBe(true);
        expect(await claim(other, T0, '0 2 * * *', 'backup')).toBe(true);
        expect(await claim(other, T0 + 24 * HOUR)).toBe(true);
        expect(await claim(store, T0 + 24 * HOUR)).toBe(false);
      } finally {
        await closeStore(factory, other);
        await closeStore(factory, store);
        await location.dispose?.();
      }
    });

    it('keeps the newest claims per schedule and never lets a pruned time be won again; survives a restart', async () => {
      const location = await factory.location();
      let store = location.open();
      try {
        const times = Array.from({ length: SCHEDULE_FIRES_KEPT + 5 }, (_, i) => T0 + i * HOUR);
        for (const at of times) expect(await claim(store, at)).toBe(true);
        store = await restart(factory, location, store);
        for (const at of times) expect(await claim(store, at)).toBe(false);
        expect(await claim(store, T0 + times.length * HOUR)).toBe(true);
      } finally {
        await closeStore(factory, store);
        await location.dispose?.();
      }
    });

    it('refuses bad arguments with RNR_ERR_INVALID_OPTION', async () => {
      const location = await factory.location();
      const store = location.open();
      const claimFire = store.claimScheduleFire?.bind(store);
      if (!claimFire) throw new Error('no claimScheduleFire');
      try {
        await expect(claimFire('', 'x', T0)).rejects.toMatchObject({ code: 'RNR_ERR_INVALID_OPTION' });
        await expect(claimFire('nightly', '', T0)).rejects.toMatchObject({ code: 'RNR_ERR_INVALID_OPTION' });
        await expect(claimFire('nightly', 'x', Number.NaN)).rejects.toMatchObject({
          code: 'RNR_ERR_INVALID_OPTION',
          message: expect.stringContaining('claimScheduleFire at'),
        });
        await expect(claimFire('nightly', 'x', 1.5)).rejects.toMatchObject({
          code: 'RNR_ERR_INVALID_OPTION',
        });
      } finally {
        await closeStore(factory, store);
        await location.dispose?.();
      }
    });
  });
}

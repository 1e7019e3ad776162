/**
 * Schedule fires on a real PostgreSQL shared by several store instances (processes): each fire
 * time is won by exactly one of them, however many race for it, and run hosts on separate stores
 * start one run per fire time between them.
 */
import pg from 'pg';
import { type Clock, callbackTask, type Store, workflow } from 'rnr';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunHost } from '../../src/runs/index.js';
import { postgresStore } from '../../src/store/postgres/index.js';
import { TestClock } from '../../src/testing/index.js';
import { createDatabase } from '../fixtures/postgres/index.js';

const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe('postgresStore: schedule fire claims between processes', () => {
  it('four stores racing for the same fire times: one winner per time, every time', async () => {
    const db = await createDatabase({ label: 'schedules' });
    const stores = Array.from({ length: 4 }, () => postgresStore(db.url));
    open.push(...stores);
    await Promise.all(stores.map((s) => s.ready()));
    const winners: number[] = [];
    for (let round = 0; round < 20; round++) {
      const at = T0 + round * HOUR;
      const won = await Promise.all(stores.map((s) => s.claimScheduleFire?.('nightly', '0 * * * *', at)));
      expect(won.filter((w) => w === true)).toHaveLength(1);
      winners.push(won.indexOf(true));
    }
    // The claims table keeps the newest few per schedule.
    const client = new pg.Client(db.superuserUrl);
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; oldest: string }>(
        'SELECT count(*) AS n, min(fire_at) AS oldest FROM rnr.schedule_fires',
      );
      expect(Number(rows[0]?.n)).toBeLessThanOrEqual(10);
      expect(Number(rows[0]?.oldest)).toBeGreaterThan(T0 + 9 * HOUR);
    } finally {
      await client.end();
    }
  });

  it('two run hosts on two stores of one database start one run per fire time', async () => {
    const db = await createDatabase({ label: 'schedules-hosts' });
    const clock = new TestClock(T0);
    const hourly = workflow({
      name: 'cert-check',
      schedules: [{ cron: '0 * * * *', overlap: 'allow' }],
      build: () => callbackTask({ name: 'check', poll: () => true }),
    });
    const hosts = [0, 1].map(() => {
      const store = postgresStore(db.url);
      open.push(store);
      return createRunHost({
        workflows: [hourly],
        store,
        clock: clock as Clock,
        autoStart: false,
        log: () => {},
      });
    });
    for (const host of hosts) await host.startSchedules();
    for (let hour = 1; hour <= 3; hour++) {
      await clock.advanceTo(T0 + hour * HOUR);
      // The claim and the start go over the network: wait for both hosts' fires to settle.
      await expect
        .poll(() => hosts.map((h) => h.workflows()[0]?.schedules[0]?.lastFire?.at), { interval: 20 })
        .toEqual([T0 + hour * HOUR, T0 + hour * HOUR]);
    }
    const runs = (await hosts[0]!.list({ workflow: 'cert-check' })).jobs;
    expect(runs.map((r) => r.createdAt).sort()).toEqual([T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
    for (const host of hosts) await host.close();
  });
});

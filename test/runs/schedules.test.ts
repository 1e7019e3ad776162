import { describe, expect, it } from 'vitest';
import { type Clock, callbackTask, memoryStore, RunTrigger, type Store, workflow } from '../../src/index.js';
import { createRunHost, MAX_SCHEDULE_WAIT_MS } from '../../src/runs/index.js';
import { settle } from '../../src/testing/index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1, 0, 0);

/**
 * A clock driven by hand: `jumpTo` sets the time without firing what fell due on the way (a
 * paused process, a wall clock stepped forward), then fires what is due once, as a late timer does.
 */
class HandClock implements Clock {
  private id = 0;
  readonly timers = new Map<number, { fn: () => void; at: number; ms: number }>();
  constructor(public time = T0) {}
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.set(++this.id, { fn, at: this.time + ms, ms });
    return this.id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  async jumpTo(time: number): Promise<void> {
    this.time = time;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at > time || !this.timers.has(id)) continue;
      this.timers.delete(id);
      timer.fn();
    }
    await settle(10);
  }
  /** Fires timers one by one, each at its own time, up to `time`. */
  async runTo(time: number): Promise<void> {
    for (;;) {
      const next = [...this.timers.values()].sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > time) break;
      await this.jumpTo(next.at);
    }
    this.time = time;
  }
}

const hourly = workflow({
  name: 'cert-check',
  schedules: [{ cron: '0 * * * *', input: { fleet: 'edge' } }],
  build: () => callbackTask({ name: 'check', poll: () => 'RUNNING' }),
});

function setup(workflows = [hourly], options: { store?: Store; clock?: HandClock } = {}) {
  const clock = options.clock ?? new HandClock();
  const store = options.store ?? memoryStore();
  const lines: string[] = [];
  // autoStart false: the runs started do not tick, so the scheduler's timer is the clock's only one.
  const host = createRunHost({ workflows, store, clock, autoStart: false, log: (l) => lines.push(l) });
  return { clock, store, host, lines };
}

const ids = async (host: ReturnType<typeof setup>['host'], name = 'cert-check') =>
  (await host.list({ workflow: name })).jobs.map((r) => r.id).reverse();

describe('run host: schedules', () => {
  it('sleeps on one timer until the earliest next fire (at most 5 minutes at a time), and fires nothing before startSchedules', async () => {
    const every20 = workflow({
      name: 'sweep',
      schedules: [{ cron: '*/20 * * * *' }, { cron: '5 3 * * *', timezone: 'Europe/Paris' }],
      build: () => callbackTask({ name: 'x', poll: () => true }),
    });
    const { clock, host } = setup([hourly, every20], { clock: new HandClock(T0 + 3 * MIN) });
    expect(clock.timers.size).toBe(0);
    expect(host.workflows().map((w) => w.schedules)).toEqual([
      [{ cron: '0 * * * *', timezone: 'UTC', overlap: 'skip' }],
      [
        { cron: '*/20 * * * *', timezone: 'UTC', overlap: 'skip' },
        { cron: '5 3 * * *', timezone: 'Europe/Paris', overlap: 'skip' },
      ],
    ]);

    await host.startSchedules();
    expect([...clock.timers.values()].map((t) => t.ms)).toEqual([MAX_SCHEDULE_WAIT_MS]);
    expect(host.workflows().map((w) => w.schedules.map((s) => s.nextAt))).toEqual([
      [T0 + HOUR],
      [T0 + 20 * MIN, T0 + 2 * HOUR + 5 * MIN], // 03:05 in Paris is 02:05 UTC in January
    ]);
    await clock.runTo(T0 + 18 * MIN);
    expect([...clock.timers.values()].map((t) => t.ms)).toEqual([2 * MIN]);
    await host.close();
    expect(clock.timers.size).toBe(0);
  });

  it('does not make up times missed while nothing ran: the first fire is the next time after start', async () => {
    const nightly = workflow({
      name: 'nightly',
      schedules: [{ cron: '0 2 * * *' }],
      build: () => callbackTask({ name: 'x', poll: () => true }),
    });
    const { clock, host } = setup([nightly], { clock: new HandClock(T0 + 5 * HOUR) });
    await host.startSchedules();
    await settle(10);
    expect(await ids(host, 'nightly')).toEqual([]);
    expect(host.workflows()[0]?.schedules[0]?.nextAt).toBe(T0 + 26 * HOUR);
    await clock.runTo(T0 + 26 * HOUR);
    expect(await ids(host, 'nightly')).toEqual(['nightly-1']);
  });

  it('a timer that wakes hours late (a paused process, a clock jump) fires once, for the latest time passed', async () => {
    const { clock, host, lines } = setup();
    await host.startSchedules();
    await clock.jumpTo(T0 + 7 * HOUR + 40 * MIN);
    expect(await ids(host)).toEqual(['cert-check-1']);
    const run = await host.summary('cert-check-1');
    expect(run).toMatchObject({
      trigger: RunTrigger.SCHEDULE,
      startedBy: 'schedule:0 * * * *',
      input: { fleet: 'edge' },
      createdAt: T0 + 7 * HOUR + 40 * MIN,
    });
    expect(host.workflows()[0]?.schedules[0]).toMatchObject({
      nextAt: T0 + 8 * HOUR,
      lastFire: { at: T0 + 7 * HOUR, outcome: 'started', run: 'cert-check-1' },
    });
    expect(lines).toEqual([
      'workflow cert-check schedule "0 * * * *" at 2026-01-01T07:00Z: started run cert-check-1',
    ]);
  });

  it("overlap 'skip' skips while the schedule's run is unfinished; 'allow' starts anyway; a run of another trigger does not count", async () => {
    const both = workflow({
      name: 'cert-check',
      schedules: [{ cron: '0 * * * *' }, { cron: '0 * * * *', overlap: 'allow', input: { deep: true } }],
      build: () => callbackTask({ name: 'check', poll: () => 'RUNNING' }),
    });
    const { clock, host, lines } = setup([both]);
    await host.start('cert-check', { startedBy: 'alice' }); // unfinished, not a schedule's
    await host.startSchedules();
    await clock.runTo(T0 + 2 * HOUR);
    const runs = (await host.list({ workflow: 'cert-check' })).jobs;
    // Both schedules fire at 01:00: which run gets number 2 is a race, so runs are read by time.
    const byTime = runs
      .map((r) => [r.createdAt, r.startedBy, r.input] as const)
      .sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
    expect(byTime).toEqual([
      [T0, 'alice', {}],
      [T0 + HOUR, 'schedule:0 * * * *', {}],
      [T0 + HOUR, 'schedule:0 * * * * #2', { deep: true }],
      [T0 + 2 * HOUR, 'schedule:0 * * * * #2', { deep: true }],
    ]);
    const started = runs.find((r) => r.startedBy === 'schedule:0 * * * *')?.id;
    expect(lines).toContain(
      `workflow cert-check schedule "0 * * * *" at 2026-01-01T02:00Z: skipped: run ${started}, which this schedule started, is unfinished (overlap: skip)`,
    );
    expect(host.workflows()[0]?.schedules[0]?.lastFire).toMatchObject({ outcome: 'skipped' });
  });

  it("a fire refused by the workflow's concurrency is skipped and logged, not a crash; the next one starts", async () => {
    const limited = workflow({
      name: 'cert-check',
      concurrency: 1,
      schedules: [{ cron: '0 * * * *', overlap: 'allow' }],
      build: () => callbackTask({ name: 'check', poll: () => 'RUNNING' }),
    });
    const { clock, host, lines } = setup([limited]);
    await host.start('cert-check', { startedBy: 'alice' });
    await host.startSchedules();
    await clock.runTo(T0 + HOUR);
    expect(await ids(host)).toEqual(['cert-check-1']);
    expect(lines[0]).toMatch(
      /^workflow cert-check schedule "0 \* \* \* \*" at 2026-01-01T01:00Z: skipped: .*allows 1 unfinished run.*in the way: cert-check-1$/,
    );
    expect(host.workflows()[0]?.schedules[0]?.lastFire).toMatchObject({ outcome: 'skipped', at: T0 + HOUR });
    await host.cancel('cert-check-1');
    await clock.runTo(T0 + 2 * HOUR);
    expect(await ids(host)).toEqual(['cert-check-1', 'cert-check-2']);
  });

  it('two processes sharing a store start one run per fire time; the other says elsewhere and logs nothing', async () => {
    const store = memoryStore();
    const clock = new HandClock();
    const allow = workflow({ ...hourly, schedules: [{ cron: '0 * * * *', overlap: 'allow' }] });
    const a = setup([allow], { store, clock });
    const b = setup([allow], { store, clock });
    await a.host.startSchedules();
    await b.host.startSchedules();
    await clock.runTo(T0 + 3 * HOUR);
    expect(await ids(a.host)).toEqual(['cert-check-1', 'cert-check-2', 'cert-check-3']);
    const outcomes = [a, b].map((p) => p.host.workflows()[0]?.schedules[0]?.lastFire?.outcome).sort();
    expect(outcomes).toEqual(['elsewhere', 'started']);
    expect(a.lines.length + b.lines.length).toBe(3);
  });

  it('stops firing when the host stops', async () => {
    const { clock, host } = setup();
    await host.startSchedules();
    await host.stop();
    expect(clock.timers.size).toBe(0);
    await clock.jumpTo(T0 + 5 * HOUR);
    expect(await ids(host)).toEqual([]);
    await host.close();
  });

  it('a schedule with an input its workflow refuses: startSchedules rejects naming the workflow, index and issue', async () => {
    const strict = workflow<Record<string, unknown>>({
      name: 'strict',
      input: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (v: unknown) =>
            typeof (v as { n?: unknown }).n === 'number'
              ? { value: v as Record<string, unknown> }
              : { issues: [{ message: 'expected a number', path: ['n'] }] },
        },
      },
      schedules: [
        { cron: '0 * * * *', input: { n: 1 } },
        { cron: '0 2 * * *', input: { n: 'x' } },
      ],
      build: () => callbackTask({ name: 'x', poll: () => true }),
    });
    const { clock, host } = setup([hourly, strict]);
    await expect(host.startSchedules()).rejects.toMatchObject({
      code: 'RNR_ERR_INVALID_INPUT',
      message:
        'workflow strict: the input of a schedule fails its validator: schedules[1].input: n: expected a number',
      issues: [{ path: 'schedules[1].input.n', message: 'expected a number' }],
    });
    expect(clock.timers.size).toBe(0);
  });
});

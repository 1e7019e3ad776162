import {
  type AnyWorkflow,
  type Clock,
  describeError,
  isRnrError,
  RnrError,
  RunTrigger,
  type Store,
} from '../index.js';
import type { ScheduleFire, ScheduleStatus, StartedRun, StartRequest } from './types.js';
import { type HostedSchedule, hostedSchedules } from './workflow-schedules.js';

/**
 * The longest the scheduler sleeps at once. Timers run on the monotonic clock, so after a
 * wall-clock step (NTP, a suspended VM) a fire is at most this late; waking this often costs
 * nothing measurable.
 */
export const MAX_SCHEDULE_WAIT_MS = 5 * 60_000;

/** Options of {@link createScheduleRunner}. */
export interface ScheduleRunnerOptions {
  clock: Clock;
  store: Store;
  log: (line: string) => void;
  /** Starts a run (the run host's `start`). */
  start: (workflow: string, request: StartRequest) => Promise<StartedRun>;
}

/** The schedules of a run host's workflows: what fires them, and what `GET /workflows` shows of them. */
export interface ScheduleRunner {
  /**
   * Registers workflows (again: a known one is kept as it is), their schedules' inputs validated
   * (`RNR_ERR_INVALID_INPUT` naming the workflow, each schedule's index and each issue; nothing is
   * registered then), and starts firing: the next fire of each schedule is its next time after now.
   */
  add(workflows: readonly AnyWorkflow[]): Promise<void>;
  /** A schedule's next fire time and last fire, once registered. */
  status(workflow: string, index: number): ScheduleStatus | undefined;
  /** Stops firing; resolves once fires in flight settled. */
  stop(): Promise<void>;
}

interface Slot {
  schedule: HostedSchedule;
  nextAt: number | undefined;
  lastFire?: ScheduleFire;
  /** A fire of this schedule is claiming or starting now. */
  busy: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/**
 * Makes the scheduler of a run host: one clock timer for the earliest next fire across every
 * schedule (at most {@link MAX_SCHEDULE_WAIT_MS} away). At a fire time it claims the time in the
 * store (first process wins), skips it under `overlap: 'skip'` while the schedule's last run is
 * unfinished, and starts a run with the schedule's input, trigger SCHEDULE and startedBy
 * `schedule:<key>`. Times missed while nothing ran are not made up; a timer that wakes late (a
 * paused process, a clock jump) fires once, for the latest time passed.
 *
 * @example
 * const schedules = createScheduleRunner({ clock, store, log, start: host.start });
 * await schedules.add(catalog.list());
 */
export function createScheduleRunner(options: ScheduleRunnerOptions): ScheduleRunner {
  const { clock, store, log } = options;
  const slots = new Map<string, Slot[]>();
  const inFlight = new Set<Promise<void>>();
  let timer: unknown;
  let stopped = false;

  function arm(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    let earliest: number | undefined;
    for (const list of slots.values())
      for (const slot of list)
        if (slot.nextAt !== undefined && (earliest === undefined || slot.nextAt < earliest))
          earliest = slot.nextAt;
    if (earliest === undefined) return;
    const wait = Math.min(Math.max(0, earliest - clock.now()), MAX_SCHEDULE_WAIT_MS);
    timer = clock.setTimeout(wake, wait);
  }

  function wake(): void {
    timer = undefined;
    const now = clock.now();
    for (const list of slots.values()) {
      for (const slot of list) {
        if (slot.nextAt === undefined || slot.nextAt > now) continue;
        // Late (a paused process, a clock jump forward): one fire, for the latest time passed.
        const at = slot.schedule.table.previous(now) ?? slot.nextAt;
        slot.nextAt = slot.schedule.table.next(now);
        if (slot.busy) {
          record(slot, { at, outcome: 'skipped', reason: 'its previous fire is still starting' });
          continue;
        }
        const firing = fire(slot, at).finally(() => inFlight.delete(firing));
        inFlight.add(firing);
      }
    }
    arm();
  }

  function record(slot: Slot, fired: ScheduleFire): void {
    slot.lastFire = fired;
    if (fired.outcome === 'elsewhere') return; // Every process but one would log each fire.
    const { schedule } = slot;
    const what =
      fired.outcome === 'started'
        ? `started run ${fired.run}`
        : `${fired.outcome === 'skipped' ? 'skipped' : 'failed to start a run'}: ${fired.reason}`;
    log(`workflow ${schedule.workflow.name} schedule "${schedule.key}" at ${iso(fired.at)}: ${what}`);
  }

  async function fire(slot: Slot, at: number): Promise<void> {
    const { schedule } = slot;
    const name = schedule.workflow.name;
    slot.busy = true;
    try {
      if (store.claimScheduleFire && !(await store.claimScheduleFire(name, schedule.key, at))) {
        record(slot, { at, outcome: 'elsewhere' });
        return;
      }
      if (schedule.overlap === 'skip') {
        const running = await unfinishedRunOf(schedule);
        if (running) {
          const reason = `run ${running}, which this schedule started, is unfinished (overlap: skip)`;
          record(slot, { at, outcome: 'skipped', reason });
          return;
        }
      }
      const { summary, created } = await options.start(name, {
        input: schedule.input,
        trigger: RunTrigger.SCHEDULE,
        startedBy: schedule.startedBy,
        // Belt and braces for a store without claims: one run per fire time even so.
        idempotencyKey: `${schedule.startedBy}@${at}`.slice(-255),
      });
      record(slot, created ? { at, outcome: 'started', run: summary.id } : { at, outcome: 'elsewhere' });
    } catch (err) {
      const reason = isRnrError(err) ? err.message : describeError(err);
      const refused = isRnrError(err) && err.code === 'RNR_ERR_CONFLICT';
      record(slot, { at, outcome: refused ? 'skipped' : 'failed', reason });
    } finally {
      slot.busy = false;
    }
  }

  /** The id of an unfinished run that this schedule started, if any. */
  async function unfinishedRunOf(schedule: HostedSchedule): Promise<string | undefined> {
    let pageToken: string | undefined;
    do {
      const page = await store.listRuns({
        workflow: schedule.workflow.name,
        states: ['ACTIVE'],
        limit: 1000,
        ...(pageToken && { pageToken }),
      });
      const mine = page.runs.find((run) => run.startedBy === schedule.startedBy);
      if (mine) return mine.id;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return undefined;
  }

  return {
    async add(workflows) {
      const fresh = workflows.filter((wf) => slots.get(wf.name)?.[0]?.schedule.workflow !== wf);
      const settled = await Promise.allSettled(fresh.map((wf) => hostedSchedules(wf)));
      const refusals = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (refusals.length === 1) throw refusals[0];
      if (refusals.length > 1) {
        const all = refusals.map((err) => (isRnrError(err) ? err : undefined));
        if (all.some((err) => err?.code !== 'RNR_ERR_INVALID_INPUT')) throw refusals[0];
        throw new RnrError('RNR_ERR_INVALID_INPUT', all.map((err) => err?.message).join('\n'), {
          issues: all.flatMap((err) => err?.issues ?? []),
        });
      }
      const found = settled.map((r) => (r.status === 'fulfilled' ? r.value : []));
      if (stopped) return;
      const now = clock.now();
      fresh.forEach((wf, i) => {
        const list = (found[i] ?? []).map((schedule) => ({
          schedule,
          nextAt: schedule.table.next(now),
          busy: false,
        }));
        slots.set(wf.name, list);
      });
      arm();
    },
    status(workflow, index) {
      const slot = slots.get(workflow)?.[index];
      if (!slot) return undefined;
      return {
        ...(slot.nextAt !== undefined && { nextAt: slot.nextAt }),
        ...(slot.lastFire && { lastFire: { ...slot.lastFire } }),
      };
    },
    async stop() {
      stopped = true;
      arm();
      await Promise.allSettled([...inFlight]);
    },
  };
}

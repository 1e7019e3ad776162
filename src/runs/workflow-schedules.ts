import {
  type AnyWorkflow,
  type CronTable,
  cronTable,
  DEFAULT_TIMEZONE,
  type InputIssue,
  isRnrError,
  RnrError,
  type RunInput,
  validateInput,
} from '../index.js';

/** One schedule of a hosted workflow, as the run host fires it. */
export interface HostedSchedule {
  readonly workflow: AnyWorkflow;
  /** Its position in `workflow.schedules`. */
  readonly index: number;
  readonly cron: string;
  readonly timezone: string;
  readonly overlap: 'skip' | 'allow';
  /** The input its runs get, validated by the workflow. */
  readonly input: RunInput;
  /**
   * What names the schedule across processes and restarts: its cron, then its time zone unless
   * UTC, then `#2`, `#3`… for the second and later schedules of the workflow with the same cron
   * and time zone (`0 2 * * *`, `0 2 * * * Europe/Paris`, `0 2 * * * #2`).
   */
  readonly key: string;
  /** The `startedBy` of its runs: `schedule:<key>`. */
  readonly startedBy: string;
  readonly table: CronTable;
}

/**
 * The schedules of a workflow, their inputs validated (a validator may be async, so this happens
 * when a run host registers the workflow, not in `workflow()`). Refuses with
 * `RNR_ERR_INVALID_INPUT` naming the workflow, each refused schedule's index and each issue.
 *
 * @example
 * const schedules = await hostedSchedules(nightly);
 */
export async function hostedSchedules(wf: AnyWorkflow): Promise<HostedSchedule[]> {
  const hosted: HostedSchedule[] = [];
  const refused: string[] = [];
  const issues: InputIssue[] = [];
  const twins = new Map<string, number>();
  for (const [index, schedule] of wf.schedules.entries()) {
    const cron = schedule.cron.trim();
    const timezone = schedule.timezone ?? DEFAULT_TIMEZONE;
    const where = `schedules[${index}].input`;
    let input: RunInput;
    try {
      input = await validateInput(wf, schedule.input ?? {});
    } catch (err) {
      if (!isRnrError(err) || err.code !== 'RNR_ERR_INVALID_INPUT') throw err;
      const listed = err.issues ?? [{ path: '', message: err.message }];
      refused.push(
        `${where}: ${listed.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      );
      issues.push(
        ...listed.map((i) => ({ path: i.path ? `${where}.${i.path}` : where, message: i.message })),
      );
      continue;
    }
    const base = timezone === DEFAULT_TIMEZONE ? cron : `${cron} ${timezone}`;
    const seen = (twins.get(base) ?? 0) + 1;
    twins.set(base, seen);
    const key = seen === 1 ? base : `${base} #${seen}`;
    hosted.push({
      workflow: wf,
      index,
      cron: schedule.cron,
      timezone,
      overlap: schedule.overlap ?? 'skip',
      input,
      key,
      startedBy: `schedule:${key}`,
      table: cronTable(`workflow ${wf.name} schedules[${index}].cron`, schedule.cron, timezone),
    });
  }
  if (refused.length > 0) {
    throw new RnrError(
      'RNR_ERR_INVALID_INPUT',
      `workflow ${wf.name}: the input of ${refused.length === 1 ? 'a schedule' : `${refused.length} schedules`} fails its validator: ${refused.join(' | ')}`,
      { issues },
    );
  }
  return hosted;
}

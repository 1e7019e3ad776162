/**
 * Runs as the view lists them: the state filter of the runs page (and its URL), triggers, and
 * which runs the inbox watches.
 */
import type { JobSummaryJson } from '../../../wire/json.js';
import { isDoneName } from '../../../wire/names.js';

/** What the view reads of a run's summary (tests and older servers may leave fields out). */
export type RunHead = Partial<JobSummaryJson> & { id: string };

/** The state filters of the runs page, in the order of its chips: groups first, then states. */
export const runStateFilters: readonly { value: string; label: string }[] = [
  { value: 'ACTIVE', label: 'Unfinished' },
  { value: 'DONE', label: 'Finished' },
  { value: 'ACTION_PENDING', label: 'Needs action' },
  { value: 'RUNNING', label: 'Running' },
  { value: 'PENDING', label: 'Pending' },
  { value: 'SUCCESS', label: 'Success' },
  { value: 'FAILED', label: 'Failed' },
  { value: 'SKIPPED', label: 'Skipped' },
];

const filterValues = new Set(runStateFilters.map((f) => f.value));

/** The runs page's filters, as its URL carries them (`/runs?workflow=w&state=ACTIVE,FAILED`). */
export interface RunsFilter {
  workflow: string;
  states: string[];
  /** The page being shown (absent: the newest). */
  pageToken?: string;
}

/** Reads the runs page's filters from a query string; unknown state names are dropped. */
export function parseRunsFilter(search: string): RunsFilter {
  const q = new URLSearchParams(search);
  const states = (q.get('state') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => filterValues.has(s));
  const filter: RunsFilter = { workflow: q.get('workflow') ?? '', states: [...new Set(states)] };
  const page = q.get('page');
  if (page) filter.pageToken = page;
  return filter;
}

/** The runs page's path for `filter`. */
export function runsHref(filter: Partial<RunsFilter> = {}): string {
  const q = new URLSearchParams();
  if (filter.workflow) q.set('workflow', filter.workflow);
  if (filter.states && filter.states.length > 0) q.set('state', filter.states.join(','));
  if (filter.pageToken) q.set('page', filter.pageToken);
  const qs = q.toString().replace(/%2C/g, ',');
  return `/runs${qs ? `?${qs}` : ''}`;
}

/** A workflow's page. */
export function workflowHref(name: string): string {
  return `/workflows/${encodeURIComponent(name)}`;
}

/** How a run's trigger reads: `api`, `cli`, `schedule`; '–' when unknown (a legacy job). */
export function triggerLabel(trigger: string | number | undefined): string {
  const names = ['–', 'cli', 'api', 'schedule'];
  if (typeof trigger === 'number') return names[trigger] ?? String(trigger);
  switch (trigger) {
    case 'CLI':
      return 'cli';
    case 'API':
      return 'api';
    case 'SCHEDULE':
      return 'schedule';
    case undefined:
    case '':
    case 'TRIGGER_UNSPECIFIED':
      return '–';
    default:
      return trigger.toLowerCase();
  }
}

/** True once the run's root is SUCCESS, FAILED or SKIPPED. */
export function isFinished(run: RunHead): boolean {
  return isDoneName(run.state);
}

/**
 * True for a run of a workflow (id `<workflow>-<n>`); false for a job made with createJob, which
 * the store keeps as run 1 of a workflow named after it.
 */
export function isRun(run: Pick<RunHead, 'id' | 'workflow' | 'run'>): boolean {
  return !!run.workflow && !!run.run && run.id === `${run.workflow}-${run.run}`;
}

/** A run's label: `rolling-upgrade #12`, or its name for a job that is not a run of a workflow. */
export function runLabel(run: RunHead): string {
  return isRun(run) ? `${run.workflow} #${run.run}` : run.name || run.id;
}

/**
 * The runs whose waiting tasks the inbox lists: every unfinished run, and a finished run while it
 * is the newest of its workflow (its failed tasks can still be retried; once a newer run exists,
 * its failures are history and would only pile up). A job that is not a numbered run is its own
 * workflow, so it is always listed. `list` is newest first, as `GET /jobs` answers.
 */
export function inboxRuns<T extends RunHead>(list: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const run of list) {
    const workflow = run.workflow ?? run.id;
    const newest = !seen.has(workflow);
    seen.add(workflow);
    if (newest || !isFinished(run)) out.push(run);
  }
  return out;
}

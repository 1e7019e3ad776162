import type { ClusterProcessJson, JobSummaryJson } from '../../../wire/json.js';
import { stateOf } from '../../../wire/names.js';
import { elapsed, formatTime } from '../model/format.js';
import { isFinished, isRun, runLabel, triggerLabel, workflowHref } from '../model/runs.js';
import { relativeTime } from '../model/zoned-time.js';
import { jobHref, onLinkClick } from '../router.js';
import { ProgressBar, StateBadge } from './badges.js';
import { CancelRun } from './cancel-run.js';
import { OwnerCell } from './run-owner.js';

/** Props of {@link RunsTable}. */
export interface RunsTableProps {
  runs: readonly JobSummaryJson[];
  now: number;
  /** Shows the workflow column (the runs page; a workflow's page leaves it out). */
  showWorkflow: boolean;
  /** The processes serving the store (`GET /cluster`), to name an owner's host; undefined: not known yet. */
  processes?: readonly ClusterProcessJson[];
  /** Called after a cancel from a row. */
  onChange?(): void;
}

/**
 * Runs, one row each: the run (linked to its page), outcome, progress, trigger, who, when, how
 * long, and the process that executes it.
 */
export function RunsTable({ runs, now, showWorkflow, processes, onChange }: RunsTableProps) {
  return (
    <table class="jobs runs">
      <thead>
        <tr>
          <th scope="col">Run</th>
          {showWorkflow ? <th scope="col">Workflow</th> : null}
          <th scope="col">Outcome</th>
          <th scope="col">Progress</th>
          <th scope="col">Trigger</th>
          <th scope="col">Started by</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Owner</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <RunRow
            key={run.id}
            run={run}
            now={now}
            showWorkflow={showWorkflow}
            processes={processes}
            onChange={onChange}
          />
        ))}
      </tbody>
    </table>
  );
}

function RunRow({
  run,
  now,
  showWorkflow,
  processes,
  onChange,
}: {
  run: JobSummaryJson;
  now: number;
  showWorkflow: boolean;
  processes: readonly ClusterProcessJson[] | undefined;
  onChange?(): void;
}) {
  const counts = run.counts ?? {};
  const total = run.total ?? Object.values(counts).reduce((a, b) => a + b, 0);
  const failed = counts.FAILED ?? 0;
  const skipped = counts.SKIPPED ?? 0;
  const done = (counts.SUCCESS ?? 0) + failed + skipped;
  const started = run.startedAt ?? run.createdAt;
  const finished = isFinished(run);
  const label = runLabel(run);
  const numbered = isRun(run);
  return (
    <tr data-job-id={run.id} data-state={run.state ?? 'UNKNOWN'}>
      <th scope="row">
        <a href={jobHref(run.id)} onClick={onLinkClick}>
          {numbered ? `#${run.run}` : label}
        </a>
        {numbered ? <div class="task-id">{run.id}</div> : null}
      </th>
      {showWorkflow ? (
        <td>
          {numbered && run.workflow ? (
            <a href={workflowHref(run.workflow)} onClick={onLinkClick}>
              {run.workflow}
            </a>
          ) : (
            '–'
          )}
        </td>
      ) : null}
      <td>
        <StateBadge state={stateOf(run.state)} />
      </td>
      <td>
        <ProgressBar
          label={`Progress of ${label}`}
          done={done}
          total={total}
          failed={failed}
          skipped={skipped}
        />
      </td>
      <td class="trigger">{triggerLabel(run.trigger)}</td>
      <td class="who">{run.startedBy || '–'}</td>
      <td>
        <span title={formatTime(started)}>{started ? relativeTime(started, now) : '–'}</span>
      </td>
      <td class="duration">{elapsed(started, run.finishedAt, now) || '–'}</td>
      <OwnerCell run={run} processes={processes} />
      <td class="row-actions">
        {finished ? null : <CancelRun jobId={run.id} label={label} enabled onDone={onChange} />}
      </td>
    </tr>
  );
}

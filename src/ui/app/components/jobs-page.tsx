import type { JobSummaryJson } from '../../../wire/json.js';
import { stateOf } from '../../../wire/names.js';
import { useJobs, useNow } from '../hooks.js';
import { elapsed, formatTime } from '../model/format.js';
import { jobHref, onLinkClick } from '../router.js';
import { ProgressBar, StateBadge, StateCounts } from './badges.js';

/** Every job: root state, progress, counts per state, start time and duration. */
export function JobsPage() {
  const { list, error } = useJobs();
  const now = useNow();
  return (
    <main class="page jobs-page">
      <h1>Jobs</h1>
      {error ? (
        <p class="error" role="alert">
          Could not list jobs: {error}
        </p>
      ) : null}
      {!list ? (
        <p class="note">Loading…</p>
      ) : list.length === 0 ? (
        <p class="note">No jobs on this server.</p>
      ) : null}
      {list && list.length > 0 ? (
        <table class="jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Tasks per state</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {list.map((job) => (
              <JobRow key={job.id} job={job} now={now} />
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}

function JobRow({ job, now }: { job: JobSummaryJson; now: number }) {
  const counts = job.counts ?? {};
  const total = job.total ?? Object.values(counts).reduce((a, b) => a + b, 0);
  const failed = counts.FAILED ?? 0;
  const skipped = counts.SKIPPED ?? 0;
  const done = (counts.SUCCESS ?? 0) + failed + skipped;
  const name = job.name ?? job.id;
  return (
    <tr data-job-id={job.id}>
      <th scope="row">
        <a href={jobHref(job.id)} onClick={onLinkClick}>
          {name}
        </a>
        {name !== job.id ? <div class="task-id">{job.id}</div> : null}
        {job.halted ? <div class="error">halted: {job.halted.code}</div> : null}
      </th>
      <td>
        <StateBadge state={stateOf(job.state)} />
      </td>
      <td>
        <ProgressBar
          label={`Progress of ${name}`}
          done={done}
          total={total}
          failed={failed}
          skipped={skipped}
        />
      </td>
      <td>
        <StateCounts counts={counts} />
      </td>
      <td>{formatTime(job.startedAt ?? job.createdAt)}</td>
      <td>{elapsed(job.startedAt ?? job.createdAt, job.finishedAt, now) || '–'}</td>
    </tr>
  );
}

import { listRuns, listWorkflows } from '../api/runs.js';
import { useNow, usePoll } from '../hooks.js';
import { runsHref } from '../model/runs.js';
import { onLinkClick } from '../router.js';
import { LastFireCell } from './last-fire.js';
import { useCluster } from './run-owner.js';
import { RunsTable } from './runs-table.js';
import { ScheduleTime } from './schedule-time.js';
import { StartForm } from './start-form.js';
import { WORKFLOWS_POLL_MS } from './workflows-page.js';

/** Runs listed on a workflow's page; the runs page has the rest. */
const RECENT_RUNS = 10;

/** One workflow: its description, the start form, its schedules with their next times, its recent runs. */
export function WorkflowPage({ name }: { name: string }) {
  const now = useNow();
  const workflows = usePoll(listWorkflows, 'workflows', WORKFLOWS_POLL_MS);
  const runs = usePoll(() => listRuns({ workflow: name, limit: RECENT_RUNS }), name, 2000);
  const cluster = useCluster();
  const workflow = workflows.data?.find((w) => w.name === name);
  if (!workflow) {
    return (
      <main class="page">
        <p class={workflows.error || workflows.data ? 'error' : 'note'}>
          {workflows.error
            ? `Could not list workflows: ${workflows.error}`
            : workflows.data
              ? `This server hosts no workflow named ${name}.`
              : `Loading ${name}…`}
        </p>
      </main>
    );
  }
  const schedules = workflow.schedules ?? [];
  return (
    <main class="page workflow-page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/workflows" onClick={onLinkClick}>
          Workflows
        </a>{' '}
        /
      </nav>
      <h1>{workflow.name}</h1>
      {workflow.description ? <p class="description">{workflow.description}</p> : null}
      <div class="workflow-columns">
        <section class="panel" aria-labelledby="start-title">
          <h2 id="start-title">Start a run</h2>
          {/* A new schema (the server reloaded the workflow) makes a new form. */}
          <StartForm
            key={`${workflow.name}\n${JSON.stringify(workflow.inputSchema ?? null)}`}
            workflow={workflow}
          />
        </section>
        <div>
          <section class="panel" aria-labelledby="schedules-title">
            <h2 id="schedules-title">Schedules</h2>
            {schedules.length === 0 ? (
              <p class="note">None: runs start when someone starts them.</p>
            ) : (
              <table class="jobs schedules">
                <thead>
                  <tr>
                    <th scope="col">Cron</th>
                    <th scope="col">Next run</th>
                    <th scope="col">Last fire</th>
                    <th scope="col">Overlap</th>
                  </tr>
                </thead>
                <tbody>
                  {schedules.map((s, k) => (
                    <tr key={k} data-cron={s.cron}>
                      <td>
                        <code>{s.cron}</code>
                        <div class="task-id">{s.timezone || 'UTC'}</div>
                      </td>
                      <td>
                        <ScheduleTime at={s.nextAt} zone={s.timezone} now={now} />
                      </td>
                      <td>
                        <LastFireCell fire={s.lastFire} now={now} />
                      </td>
                      <td
                        title={
                          s.overlap === 'allow'
                            ? 'starts even while its last run is unfinished'
                            : 'skips a time while its last run is unfinished'
                        }
                      >
                        {s.overlap || 'skip'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      </div>
      <section class="panel" aria-labelledby="runs-title">
        <h2 id="runs-title">
          Recent runs{' '}
          <a class="more" href={runsHref({ workflow: name })} onClick={onLinkClick}>
            all runs of {name} →
          </a>
        </h2>
        {runs.error ? <p class="error">Could not list runs: {runs.error}</p> : null}
        {runs.data && runs.data.jobs.length === 0 ? <p class="note">No runs yet.</p> : null}
        {runs.data && runs.data.jobs.length > 0 ? (
          <RunsTable
            runs={runs.data.jobs}
            now={now}
            showWorkflow={false}
            processes={cluster.data?.processes}
            onChange={runs.refresh}
          />
        ) : null}
      </section>
    </main>
  );
}

import { listWorkflows } from '../api/runs.js';
import { useNow, usePoll } from '../hooks.js';
import { runsHref, workflowHref } from '../model/runs.js';
import { toMs } from '../model/zoned-time.js';
import { onLinkClick } from '../router.js';
import { ScheduleTime } from './schedule-time.js';

/** How often the workflows (their schedules' next times) are refreshed. */
export const WORKFLOWS_POLL_MS = 15_000;

/** The workflows this server hosts: description, input, next scheduled run, links to start and to runs. */
export function WorkflowsPage() {
  const now = useNow();
  const workflows = usePoll(listWorkflows, 'workflows', WORKFLOWS_POLL_MS);
  const list = workflows.data;
  return (
    <main class="page workflows-page">
      <h1>Workflows</h1>
      {workflows.error ? (
        <p class="error" role="alert">
          Could not list workflows: {workflows.error}
        </p>
      ) : null}
      {!list ? (
        workflows.error ? null : (
          <p class="note">Loading…</p>
        )
      ) : list.length === 0 ? (
        <p class="note">
          This server hosts no workflows (<code>rnr serve</code> hosts the workflows of the files it is
          given).
        </p>
      ) : (
        <table class="jobs workflows">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Description</th>
              <th scope="col">Next scheduled run</th>
              <th scope="col">
                <span class="sr-only">Links</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((w) => {
              const next = (w.schedules ?? [])
                .filter((s) => toMs(s.nextAt) !== undefined)
                .sort((a, b) => toMs(a.nextAt)! - toMs(b.nextAt)!)[0];
              return (
                <tr key={w.name} data-workflow={w.name}>
                  <th scope="row">
                    <a href={workflowHref(w.name)} onClick={onLinkClick}>
                      {w.name}
                    </a>
                  </th>
                  <td class="description">{w.description || <span class="note">–</span>}</td>
                  <td>
                    {next ? (
                      <ScheduleTime at={next.nextAt} zone={next.timezone} now={now} />
                    ) : (
                      <span class="note">–</span>
                    )}
                  </td>
                  <td class="row-actions">
                    <a href={workflowHref(w.name)} onClick={onLinkClick}>
                      Start…
                    </a>{' '}
                    <a href={runsHref({ workflow: w.name })} onClick={onLinkClick}>
                      Runs
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}

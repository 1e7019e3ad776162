import { useState } from 'preact/hooks';
import { listRuns, listWorkflows } from '../api/runs.js';
import { useNow, usePoll } from '../hooks.js';
import { parseRunsFilter, type RunsFilter, runStateFilters, runsHref } from '../model/runs.js';
import { navigate } from '../router.js';
import { useCluster } from './run-owner.js';
import { RunsTable } from './runs-table.js';

/** Runs per page. */
export const RUNS_PAGE_SIZE = 50;

/** How often the page of runs is refreshed. */
const RUNS_POLL_MS = 2000;

/**
 * Every run, newest first, a page at a time: filtered by workflow and by state (a state name, or
 * unfinished / finished), each with its outcome, progress, trigger, who started it, when, and the
 * process that executes it. The
 * filters and the page live in the URL, so a view can be shared.
 */
export function RunsPage({ search }: { search: string }) {
  const filter = parseRunsFilter(search);
  const now = useNow();
  // Tokens of the pages before this one, so "Newer" can go back; a shared link starts without.
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const workflows = usePoll(listWorkflows, 'workflows', 0);
  const cluster = useCluster();
  const page = usePoll(
    () =>
      listRuns({
        workflow: filter.workflow || undefined,
        states: filter.states,
        limit: RUNS_PAGE_SIZE,
        pageToken: filter.pageToken,
      }),
    search,
    RUNS_POLL_MS,
  );
  const go = (next: RunsFilter, keepHistory = false) => {
    if (!keepHistory) setPrevious([]);
    navigate(runsHref(next), true);
  };
  const toggleState = (value: string) => {
    const states = filter.states.includes(value)
      ? filter.states.filter((s) => s !== value)
      : [...filter.states, value];
    go({ workflow: filter.workflow, states });
  };
  const names = (workflows.data ?? []).map((w) => w.name);
  if (filter.workflow && !names.includes(filter.workflow)) names.push(filter.workflow);
  const runs = page.data?.jobs;

  return (
    <main class="page runs-page">
      <h1>Runs</h1>
      <div class="filter-bar runs-filter">
        <label>
          <span>Workflow</span>{' '}
          <select
            name="workflow"
            value={filter.workflow}
            onChange={(e) =>
              go({ workflow: (e.currentTarget as HTMLSelectElement).value, states: filter.states })
            }
          >
            <option value="">All workflows</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="state-filter">
          <legend class="sr-only">Show runs in state</legend>
          {runStateFilters.map((f) => (
            <button
              key={f.value}
              type="button"
              class="chip"
              aria-pressed={filter.states.includes(f.value)}
              data-filter={f.value}
              onClick={() => toggleState(f.value)}
            >
              {f.label}
            </button>
          ))}
        </fieldset>
        {filter.workflow || filter.states.length ? (
          <button type="button" class="link-button" onClick={() => go({ workflow: '', states: [] })}>
            Clear filters
          </button>
        ) : null}
      </div>
      {page.error ? (
        <p class="error" role="alert">
          Could not list runs: {page.error}
        </p>
      ) : null}
      {!runs ? (
        page.error ? null : (
          <p class="note">Loading…</p>
        )
      ) : runs.length === 0 ? (
        <p class="note">
          No runs{filter.workflow || filter.states.length ? ' match these filters' : ' yet'}.
        </p>
      ) : (
        <RunsTable
          runs={runs}
          now={now}
          showWorkflow={!filter.workflow}
          processes={cluster.data?.processes}
          onChange={page.refresh}
        />
      )}
      <nav class="pager" aria-label="Pages of runs">
        <button
          type="button"
          disabled={!filter.pageToken}
          onClick={() => {
            const back = previous.at(-1);
            setPrevious(previous.slice(0, -1));
            go({ ...filter, pageToken: back }, true);
          }}
        >
          ← Newer
        </button>
        {filter.pageToken ? (
          <button type="button" class="link-button" onClick={() => go({ ...filter, pageToken: undefined })}>
            Newest
          </button>
        ) : null}
        <button
          type="button"
          disabled={!page.data?.nextPageToken}
          onClick={() => {
            setPrevious([...previous, filter.pageToken]);
            go({ ...filter, pageToken: page.data?.nextPageToken }, true);
          }}
        >
          Older →
        </button>
      </nav>
    </main>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { isDone } from '../../../wire/names.js';
import { useJobs, useNow, useSession, useThrottled } from '../hooks.js';
import { elapsed } from '../model/format.js';
import { isRun, triggerLabel, workflowHref } from '../model/runs.js';
import { nameOf } from '../model/states.js';
import type { TaskTree } from '../model/task-tree.js';
import { isEmptyFilter, type TreeFilter, visibleRows } from '../model/visible-rows.js';
import { jobHref, navigate, onLinkClick } from '../router.js';
import { AuditLog } from './audit-log.js';
import { ProgressBar, StateBadge, StateCounts } from './badges.js';
import { CancelRun } from './cancel-run.js';
import { ConnectionBadge } from './connection-badge.js';
import { FilterBar } from './filter-bar.js';
import { HaltBanner } from './halt-banner.js';
import { OwnerLine } from './run-owner.js';
import { TaskDetail } from './task-detail.js';
import { TaskTreeView } from './task-tree-view.js';

/** While a filter is on, how often matches are recomputed as events change states and messages. */
const FILTER_REFRESH_MS = 300;

/** One job: header figures, the live task tree with filters, the selected task, the audit log. */
export function JobPage({ jobId, taskId, tab }: { jobId: string; taskId?: string; tab?: string }) {
  const session = useSession(jobId);
  // A halt or a change of owner is no event: the job list (polled) says whether the job is halted
  // now and who executes it (every unfinished run is in it; undefined until it has loaded).
  const jobs = useJobs().list;
  const summary = jobs?.find((j) => j.id === jobId);
  const halted = summary?.halted;
  const tree = session.tree;
  const now = useNow();
  if (!tree) {
    return (
      <main class="page">
        <p class="note">
          {session.error ? `Could not load job ${jobId}: ${session.error}` : `Loading ${jobId}…`}
        </p>
      </main>
    );
  }
  const root = 0;
  const run = tree.run;
  const numbered = isRun({ id: jobId, ...run });
  const label = numbered ? `${run.workflow} #${run.run}` : tree.jobName;
  const started = tree.startedAt[root] || undefined;
  const finished = tree.finishedAt[root] || undefined;
  const audit = tab === 'audit';
  const go = (nextTab?: string, task = taskId) => navigate(jobHref(jobId, task, nextTab), true);
  return (
    <main class="page job-page">
      <header class="job-head">
        <nav class="crumbs" aria-label="Breadcrumb">
          {numbered ? (
            <>
              <a href="/runs" onClick={onLinkClick}>
                Runs
              </a>{' '}
              /{' '}
              <a href={workflowHref(run.workflow)} onClick={onLinkClick}>
                {run.workflow}
              </a>{' '}
              /
            </>
          ) : (
            <>
              <a href="/" onClick={onLinkClick}>
                Jobs
              </a>{' '}
              /
            </>
          )}
        </nav>
        <h1>{label}</h1>
        <StateBadge state={tree.state[root]!} paused={tree.paused[root] === 1} />
        <ProgressBar
          label={`Progress of ${tree.jobName}`}
          done={tree.doneTotal()}
          total={tree.n}
          failed={tree.counts[4]}
          skipped={tree.counts[5]}
        />
        <StateCounts counts={tree.counts} />
        <span class="elapsed">elapsed {elapsed(started, finished, now) || '–'}</span>
        <ConnectionBadge status={session.status} />
        <CancelRun jobId={jobId} label={label} enabled={!isDone(tree.state[root]!)} />
      </header>
      {numbered ? (
        <RunFacts run={run}>
          {jobs ? (
            <OwnerLine
              run={{ owner: summary?.owner, workflow: run.workflow, state: nameOf(tree.state[root]!) }}
            />
          ) : null}
        </RunFacts>
      ) : null}
      <HaltBanner halted={halted} />
      <div class="tabs" role="tablist" aria-label="Job views">
        <button type="button" role="tab" aria-selected={!audit} onClick={() => go(undefined)}>
          Tasks
        </button>
        <button type="button" role="tab" aria-selected={audit} onClick={() => go('audit')}>
          Audit log
        </button>
      </div>
      {audit ? (
        <AuditLog session={session} onTask={(id) => go(undefined, id)} />
      ) : (
        <TasksView
          key={tree.jobId}
          tree={tree}
          version={session.version}
          taskId={taskId}
          now={now}
          onSelect={(id) => go(undefined, id)}
        >
          {(index) => (
            <TaskDetail
              session={session}
              tree={tree}
              index={index}
              now={now}
              onClose={() => go(undefined, '')}
            />
          )}
        </TasksView>
      )}
    </main>
  );
}

/** Who started the run, how, with what input, and (`children`) who executes it. */
function RunFacts({ run, children }: { run: TaskTree['run']; children?: ComponentChildren }) {
  const input =
    run.input && Object.keys(run.input).length > 0 ? JSON.stringify(run.input, null, 2) : undefined;
  return (
    <div class="run-facts">
      <span>
        started by <strong>{run.startedBy || '–'}</strong> via {triggerLabel(run.trigger)}
      </span>
      {children}
      {input ? (
        <details class="run-input">
          <summary>Input</summary>
          <pre>{input}</pre>
        </details>
      ) : (
        <span class="note">no input</span>
      )}
    </div>
  );
}

interface TasksViewProps {
  tree: TaskTree;
  version: number;
  taskId?: string;
  now: number;
  onSelect(taskId: string): void;
  children(index: number): ComponentChildren;
}

/** The filter bar, the virtualized tree and (when a task is selected) its detail panel. */
function TasksView({ tree, version, taskId, now, onSelect, children }: TasksViewProps) {
  const [collapsedIds, setCollapsedIds] = useState<ReadonlySet<string>>(new Set());
  const [filter, setFilter] = useState<TreeFilter>({ states: new Set(), text: '' });
  const filtering = !isEmptyFilter(filter);
  const stamp = useThrottled(version, FILTER_REFRESH_MS, filtering);
  const selected = taskId ? (tree.index.get(taskId) ?? -1) : -1;

  // Shortcuts: '/' jumps to the text filter, Escape closes the task panel (unless a dialog is open).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, dialog')) return;
      if (e.key === '/') {
        e.preventDefault();
        document.querySelector<HTMLInputElement>('.filter-bar input[type=search]')?.focus();
      } else if (e.key === 'Escape' && taskId) {
        onSelect('');
        document.querySelector<HTMLElement>('[role=tree]')?.focus();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [taskId]);

  const collapsed = useMemo(() => {
    const set = new Set<number>();
    for (const id of collapsedIds) {
      const i = tree.index.get(id);
      if (i !== undefined) set.add(i);
    }
    return set;
  }, [tree, collapsedIds]);
  const rows = useMemo(
    () => visibleRows(tree, collapsed, filter),
    [tree, collapsed, filter, filtering ? stamp : 0],
  );
  const activePos = useMemo(() => (selected >= 0 ? rows.indexOf(selected) : -1), [rows, selected]);

  // A task selected from elsewhere (audit log, inbox, a link) must be visible: open its ancestors.
  useEffect(() => {
    if (selected < 0 || activePos >= 0 || filtering) return;
    const ancestors = tree.ancestors(selected).map((i) => tree.ids[i]!);
    if (ancestors.some((id) => collapsedIds.has(id))) {
      setCollapsedIds(new Set([...collapsedIds].filter((id) => !ancestors.includes(id))));
    }
  }, [selected, activePos]);

  const toggle = (i: number, expand?: boolean) => {
    const id = tree.ids[i]!;
    const next = new Set(collapsedIds);
    const open = expand ?? collapsedIds.has(id);
    if (open) next.delete(id);
    else next.add(id);
    setCollapsedIds(next);
  };
  const collapseAll = () => {
    const next = new Set<string>();
    for (let i = 1; i < tree.n; i++) if (tree.kind[i] === 1) next.add(tree.ids[i]!);
    setCollapsedIds(next);
  };

  return (
    <div class={`split${selected >= 0 ? ' with-detail' : ''}`}>
      <section class="tree-pane" aria-label="Task tree">
        <FilterBar
          filter={filter}
          counts={tree.counts}
          shown={rows.length}
          onChange={setFilter}
          onExpandAll={() => setCollapsedIds(new Set())}
          onCollapseAll={collapseAll}
        />
        <TaskTreeView
          tree={tree}
          rows={rows}
          collapsed={collapsed}
          activePos={activePos}
          now={now}
          onSelect={(pos) => onSelect(tree.ids[rows[pos]!]!)}
          onToggle={toggle}
        />
      </section>
      {selected >= 0 ? children(selected) : null}
    </div>
  );
}

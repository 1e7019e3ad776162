import { useEffect, useState } from 'preact/hooks';
import type { TaskJson } from '../../../wire/json.js';
import { kindNames } from '../../../wire/names.js';
import { nextAttemptText } from '../../../wire/retry.js';
import { api, taskPath } from '../api/http.js';
import { elapsed, formatTime, retryCountdown } from '../model/format.js';
import type { JobSession } from '../model/job-session.js';
import type { ChartStateJson } from '../model/statechart-layout.js';
import { nameOf } from '../model/states.js';
import type { TaskTree } from '../model/task-tree.js';
import { StateBadge } from './badges.js';
import { StatechartView } from './statechart-view.js';
import { TaskControls } from './task-controls.js';
import { TaskHistory } from './task-history.js';

/** Props of {@link TaskDetail}. */
export interface TaskDetailProps {
  session: JobSession;
  tree: TaskTree;
  index: number;
  now: number;
  onClose(): void;
}

/** A pending automatic retry: `retrying at 2026-01-01 12:00:30 (attempt 2/5), in 25s`. */
function RetryLine({ tree, index, now }: { tree: TaskTree; index: number; now: number }) {
  const at = tree.retryAt.get(index);
  if (at === undefined) return null;
  const next = nextAttemptText({ attempt: tree.attempt[index], maxAttempts: tree.maxAttempts.get(index) });
  const left = retryCountdown(at, now);
  return (
    <p class="detail-retry">
      retrying at {formatTime(at)} ({next}), {left === 'due' ? 'due' : `in ${left}`}
    </p>
  );
}

/** The selected task: its facts, controls, own history and statechart. */
export function TaskDetail({ session, tree, index, now, onClose }: TaskDetailProps) {
  const id = tree.ids[index]!;
  const state = tree.state[index]!;
  const approval = tree.approvals.get(index);
  const [machine, setMachine] = useState(tree.machines.get(index));
  const message = tree.messages[index];
  const attempt = tree.attempt[index];
  // A machine task's active states change without an event when neither state nor message does:
  // refresh it on its own events and every 2 s while the panel is open.
  useEffect(() => {
    setMachine(tree.machines.get(index));
    if (tree.kind[index] !== 2) return;
    let open = true;
    const refresh = () =>
      api<TaskJson>(`${taskPath(session.jobId, id)}?depth=0`).then(
        (task) => {
          if (!open || !task.machine) return;
          tree.machines.set(index, task.machine);
          setMachine(task.machine);
        },
        () => {},
      );
    void refresh();
    const timer = setInterval(refresh, 2000);
    return () => {
      open = false;
      clearInterval(timer);
    };
  }, [session, tree, index, id, state, message, attempt]);
  const labels = tree.labels.get(index);
  const started = tree.startedAt[index] || undefined;
  const finished = tree.finishedAt[index] || undefined;
  useEffect(() => void session.loadHistory(), [session]);

  return (
    <aside class="detail" aria-label={`Task ${tree.names[index]}`}>
      <header class="detail-head">
        <h2>{tree.names[index]}</h2>
        <button type="button" class="close" aria-label="Close task details" onClick={onClose}>
          ×
        </button>
      </header>
      <p class="task-id">{id}</p>
      <div class="detail-state">
        <StateBadge state={state} paused={tree.paused[index] === 1} />
      </div>
      {tree.messages[index] ? <p class="detail-msg">{tree.messages[index]}</p> : null}
      <RetryLine tree={tree} index={index} now={now} />
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{kindNames[tree.kind[index]!]?.toLowerCase()}</dd>
        <dt>Attempt</dt>
        <dd>{tree.attempt[index]}</dd>
        {tree.kind[index] === 1 ? (
          <>
            <dt>Children</dt>
            <dd>
              {tree.childDone(index)}/{tree.childTotal(index)} done, {tree.childRunning(index)} running,
              parallelism {tree.parallelism[index]}
            </dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>{formatTime(started)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(finished)}</dd>
        <dt>Elapsed</dt>
        <dd>{elapsed(started, finished, now) || '–'}</dd>
        {approval ? (
          <>
            <dt>Approved</dt>
            <dd>
              by {approval.by} at {formatTime(approval.at)}
            </dd>
          </>
        ) : null}
        {labels
          ? Object.entries(labels).map(([k, v]) => (
              <>
                <dt key={`k${k}`}>{k}</dt>
                <dd key={`v${k}`}>{v}</dd>
              </>
            ))
          : null}
      </dl>
      <TaskControls key={id} tree={tree} index={index} />
      <details open>
        <summary>History</summary>
        <TaskHistory session={session} taskId={id} />
      </details>
      {machine ? (
        <details open>
          <summary>Own statechart ({machine.machineId})</summary>
          <StatechartView
            stateName={nameOf(state)}
            machine={machine}
            source={{
              key: `${session.jobId}\u0000${id}`,
              load: () => api<ChartStateJson>(`${taskPath(session.jobId, id)}/machine`),
            }}
          />
        </details>
      ) : null}
      <details open={!machine}>
        <summary>Task statechart</summary>
        <StatechartView stateName={nameOf(state)} machine={machine} />
      </details>
    </aside>
  );
}

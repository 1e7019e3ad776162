import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TaskEventJson } from '../../../wire/json.js';
import { stateOf } from '../../../wire/names.js';
import { useThrottled } from '../hooks.js';
import { formatCount, formatTime } from '../model/format.js';
import type { JobSession } from '../model/job-session.js';
import { StateBadge } from './badges.js';
import { describeEvent } from './task-history.js';
import { VirtualList } from './virtual-list.js';

const ROW = 28;

/** The job's audit log: every event (who, what, when, why), newest first, filterable by task and actor. */
export function AuditLog({ session, onTask }: { session: JobSession; onTask(taskId: string): void }) {
  const [task, setTask] = useState('');
  const [actor, setActor] = useState('');
  const [operatorOnly, setOperatorOnly] = useState(true);
  useEffect(() => void session.loadHistory(), [session]);
  const history = session.history;
  // At 1,000 events/s the filters would run every frame: refresh them at most every 500 ms.
  const length = useThrottled(history?.length ?? 0, 500, true);

  const actors = useMemo(() => {
    const set = new Set<string>();
    for (const ev of history ?? []) if (ev.actor) set.add(ev.actor);
    return [...set].sort();
  }, [history, length]);

  const rows = useMemo(() => {
    const out: TaskEventJson[] = [];
    if (!history) return out;
    const t = task.trim().toLowerCase();
    for (let k = history.length - 1; k >= 0; k--) {
      const ev = history[k]!;
      if (operatorOnly && ev.cause !== 'OPERATOR') continue;
      if (actor && ev.actor !== actor) continue;
      if (t && !ev.taskId.toLowerCase().includes(t)) continue;
      out.push(ev);
    }
    return out;
  }, [history, length, task, actor, operatorOnly]);

  if (!history) return <p class="note">Loading the audit log…</p>;
  return (
    <section class="audit" aria-label="Audit log">
      <div class="filter-bar">
        <label>
          <span>Task</span>
          <input
            type="search"
            placeholder="task id contains…"
            value={task}
            onInput={(e) => setTask((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span>Actor</span>
          <select value={actor} onChange={(e) => setActor((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">anyone</option>
            {actors.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={operatorOnly}
            onChange={(e) => setOperatorOnly((e.currentTarget as HTMLInputElement).checked)}
          />
          <span>Operator actions only</span>
        </label>
        <span class="shown">{formatCount(rows.length)} events</span>
      </div>
      <div class="audit-head" aria-hidden="true">
        <span>When</span>
        <span>Task</span>
        <span>What</span>
        <span>Who</span>
        <span>Why</span>
      </div>
      <VirtualList
        class="audit-list"
        label="Events, newest first"
        count={rows.length}
        rowHeight={ROW}
        renderRow={(k, top) => {
          const ev = rows[k]!;
          return (
            <div key={ev.seq} class="audit-row" style={{ top: `${top}px`, height: `${ROW}px` }}>
              <span class="when" title={`seq ${ev.seq}`}>
                {formatTime(ev.time)}
              </span>
              <button
                type="button"
                class="link-button task"
                title={ev.taskId}
                onClick={() => onTask(ev.taskId)}
              >
                {ev.taskId}
              </button>
              <span class="what">
                <StateBadge state={stateOf(ev.to)} paused={ev.paused} compact /> {describeEvent(ev)}
              </span>
              <span class="who">{ev.actor || ev.cause.toLowerCase()}</span>
              <span class="why" title={ev.reason || ev.message}>
                {ev.reason ? `“${ev.reason}”` : ev.message}
              </span>
            </div>
          );
        }}
      />
    </section>
  );
}

import type { TaskEventJson } from '../../../wire/json.js';
import { stateOf } from '../../../wire/names.js';
import { formatTime } from '../model/format.js';
import type { JobSession } from '../model/job-session.js';
import { StateBadge } from './badges.js';

/** Most of a task's events listed in its detail panel (newest first). */
const MAX_SHOWN = 200;

/** What an event did, in words: `skip`, `RUNNING → SUCCESS`, `paused`… */
export function describeEvent(ev: TaskEventJson): string {
  const from = stateOf(ev.from);
  const to = stateOf(ev.to);
  const parts: string[] = [];
  if (ev.action) parts.push(ev.action);
  if (from !== to) parts.push(`${String(ev.from ?? 'UNKNOWN')} → ${String(ev.to ?? 'UNKNOWN')}`);
  if (ev.action === 'parallelism') parts.push(`∥${ev.parallelism ?? ''}`);
  if (!ev.action && from === to) parts.push(ev.message ? 'status' : ev.paused ? 'paused' : 'resumed');
  return parts.join(' · ');
}

/** A task's own events, newest first: when, what, who and why. */
export function TaskHistory({ session, taskId }: { session: JobSession; taskId: string }) {
  const history = session.history;
  if (!history) return <p class="note">Loading history…</p>;
  const mine: TaskEventJson[] = [];
  for (let k = history.length - 1; k >= 0 && mine.length < MAX_SHOWN; k--) {
    const ev = history[k]!;
    if (ev.taskId === taskId) mine.push(ev);
  }
  if (mine.length === 0) return <p class="note">No events yet.</p>;
  return (
    <ol class="history" aria-label="Task history, newest first">
      {mine.map((ev) => (
        <li key={ev.seq} class={ev.cause === 'OPERATOR' ? 'operator' : ''}>
          <span class="when">{formatTime(ev.time)}</span>
          <StateBadge state={stateOf(ev.to)} paused={ev.paused} compact />
          <span class="what">{describeEvent(ev)}</span>
          {ev.actor ? (
            <span class="who">by {ev.actor}</span>
          ) : (
            <span class="who">{ev.cause.toLowerCase()}</span>
          )}
          {ev.reason ? <span class="why">“{ev.reason}”</span> : null}
          {ev.message ? <span class="msg">{ev.message}</span> : null}
        </li>
      ))}
    </ol>
  );
}

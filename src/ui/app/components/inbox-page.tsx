import { useState } from 'preact/hooks';
import { type OperatorOp, TaskState } from '../../../wire/names.js';
import { act } from '../api/http.js';
import { refreshJobs, useAuth, useJobs, useSessions } from '../hooks.js';
import { formatCount } from '../model/format.js';
import type { JobSession } from '../model/job-session.js';
import { inboxRuns } from '../model/runs.js';
import { jobHref, onLinkClick } from '../router.js';
import { StateBadge } from './badges.js';

/** Most inbox items drawn; the job page's filters reach the rest. */
const MAX_ITEMS = 500;

interface Item {
  session: JobSession;
  index: number;
}

/**
 * Tasks waiting for a human across all jobs: ACTION_PENDING first, then FAILED, each with its
 * message and one-click approve / retry / skip (the shared reason field goes with every click).
 */
export function InboxPage() {
  const { list } = useJobs();
  const access = useAuth();
  const [reason, setReason] = useState('');
  const [outcomes, setOutcomes] = useState<{ ok: boolean; text: string }[]>([]);
  const ids = inboxRuns(list ?? [])
    .filter((j) => (j.counts?.ACTION_PENDING ?? 0) + (j.counts?.FAILED ?? 0) > 0)
    .map((j) => j.id);
  const sessions = useSessions(ids);

  const items: Item[] = [];
  let total = 0;
  for (const state of [TaskState.ACTION_PENDING, TaskState.FAILED]) {
    for (const session of sessions) {
      const tree = session.tree;
      if (!tree) continue;
      for (const index of tree.attention) {
        if (tree.state[index] !== state) continue;
        total++;
        if (items.length < MAX_ITEMS) items.push({ session, index });
      }
    }
  }

  const run = async (item: Item, op: OperatorOp) => {
    const tree = item.session.tree!;
    const id = tree.ids[item.index]!;
    const say = (ok: boolean, text: string) => setOutcomes((o) => [{ ok, text }, ...o].slice(0, 5));
    try {
      await act(tree.jobId, id, op, { reason: reason.trim() });
      say(true, `${op} ${id} (${tree.jobName}): done`);
      void refreshJobs();
    } catch (err) {
      say(false, `${op} ${id} (${tree.jobName}) failed: ${(err as Error).message}`);
    }
  };
  const off = access.canWrite === false;

  return (
    <main class="page inbox-page">
      <h1>Inbox</h1>
      <p class="note">
        {formatCount(total)} task{total === 1 ? '' : 's'} waiting for a human: approvals first, then failures.
        {off ? ' Read-only: this token may view but not act.' : ''}
      </p>
      <label class="field reason">
        <span>Reason for the actions below (optional, kept in the audit log)</span>
        <input
          type="text"
          value={reason}
          onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <ul class="outcomes" role="status" aria-live="polite">
        {outcomes.map((o, k) => (
          <li key={k} class={`outcome ${o.ok ? 'ok' : 'err'}`}>
            {o.ok ? '✓' : '✗'} {o.text}
          </li>
        ))}
      </ul>
      {items.length === 0 && list ? <p class="empty">Nothing needs you. ✓</p> : null}
      <ul class="inbox" aria-label="Tasks waiting for a human">
        {items.map((item) => {
          const tree = item.session.tree!;
          const i = item.index;
          const id = tree.ids[i]!;
          const key = `${tree.jobId}\u0000${id}`;
          const pending = tree.state[i] === TaskState.ACTION_PENDING;
          return (
            <li key={key} class="inbox-item" data-task-id={id} data-job-id={tree.jobId}>
              <StateBadge state={tree.state[i]!} paused={tree.paused[i] === 1} />
              <div class="inbox-what">
                <a href={jobHref(tree.jobId, id)} onClick={onLinkClick} class="inbox-task">
                  {tree.names[i]}
                </a>
                <span class="task-id">
                  {tree.jobName} · {id}
                </span>
                <span class="inbox-msg">{tree.messages[i] || '(no message)'}</span>
              </div>
              <div class="button-row">
                {pending ? (
                  <button
                    type="button"
                    class="primary"
                    disabled={off}
                    onClick={() => void run(item, 'approve')}
                  >
                    Approve
                  </button>
                ) : null}
                <button type="button" disabled={off} onClick={() => void run(item, 'retry')}>
                  Retry
                </button>
                <button type="button" class="danger" disabled={off} onClick={() => void run(item, 'skip')}>
                  Skip
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {total > items.length ? (
        <p class="note">…and {formatCount(total - items.length)} more: filter the job pages.</p>
      ) : null}
    </main>
  );
}

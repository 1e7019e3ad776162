import { useState } from 'preact/hooks';
import { isDone, type OperatorOp, stateNames, TaskState } from '../../../wire/names.js';
import { act } from '../api/http.js';
import { refreshJobs, useAuth } from '../hooks.js';
import { nameOf } from '../model/states.js';
import type { TaskTree } from '../model/task-tree.js';
import { ConfirmDialog } from './confirm-dialog.js';

interface Pending {
  op: OperatorOp;
  title: string;
  text: string;
  danger?: boolean;
  state?: string;
  parallelism?: number;
}

/** The outcome of the last action, shown under the buttons. */
interface Outcome {
  ok: boolean;
  text: string;
}

/**
 * The operator controls of one task: approve, retry, skip, pause/resume, set state, parallelism.
 * Each asks for confirmation and an optional reason, then shows the outcome; all are disabled for
 * a viewer token.
 */
export function TaskControls({ tree, index }: { tree: TaskTree; index: number }) {
  const access = useAuth();
  const [pending, setPending] = useState<Pending | undefined>();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [busy, setBusy] = useState(false);
  const [target, setTarget] = useState('SUCCESS');
  const [par, setPar] = useState(String(tree.parallelism[index] || 1));
  const id = tree.ids[index]!;
  const name = tree.names[index]!;
  const state = tree.state[index]!;
  const nested = tree.kind[index] === 1;
  const paused = tree.paused[index] === 1;
  const readOnly = access.canWrite === false;
  const off = readOnly || busy;

  const run = async (p: Pending, reason: string) => {
    setPending(undefined);
    setOutcome(undefined);
    setBusy(true);
    try {
      await act(tree.jobId, id, p.op, { reason, state: p.state, parallelism: p.parallelism });
      setOutcome({ ok: true, text: `${p.title} — done.` });
      void refreshJobs();
    } catch (err) {
      setOutcome({ ok: false, text: `${p.title} — failed: ${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  };

  const button = (label: string, p: Pending, enabled = true, cls = '') => (
    <button type="button" class={cls} disabled={off || !enabled} onClick={() => setPending(p)}>
      {label}
    </button>
  );

  return (
    <section class="controls" aria-label={`Controls for ${name}`}>
      {readOnly ? <p class="note">Read-only: this token may view but not act.</p> : null}
      <div class="button-row">
        {button(
          'Approve',
          { op: 'approve', title: `Approve ${name}`, text: 'The task leaves ACTION_PENDING and runs on.' },
          state === TaskState.ACTION_PENDING,
          'primary',
        )}
        {button(
          'Retry',
          {
            op: 'retry',
            title: `Retry ${name}`,
            text: `Back to PENDING as attempt ${tree.attempt[index]! + 1}.`,
          },
          state !== TaskState.PENDING,
        )}
        {button(
          'Skip',
          {
            op: 'skip',
            title: `Skip ${name}`,
            text: 'Marked SKIPPED; its parent carries on without it.',
            danger: true,
          },
          state !== TaskState.SKIPPED,
        )}
        {paused
          ? button('Resume', {
              op: 'resume',
              title: `Resume ${name}`,
              text: 'It may start and be polled again.',
            })
          : button(
              'Pause',
              {
                op: 'pause',
                title: `Pause ${name}`,
                text: nested
                  ? 'No new child starts; running children go on.'
                  : 'It is not polled until resumed.',
              },
              !isDone(state),
            )}
      </div>
      <div class="button-row">
        <label>
          <span>Set state</span>
          <select
            disabled={off}
            value={target}
            onChange={(e) => setTarget((e.currentTarget as HTMLSelectElement).value)}
          >
            {stateNames.slice(1).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {button('Set', {
          op: 'state',
          state: target,
          title: `Set ${name} to ${target}`,
          text: `From ${nameOf(state)} to ${target}.`,
          danger: target === 'FAILED' || target === 'SKIPPED',
        })}
        {nested ? (
          <>
            <label>
              <span>Parallelism</span>
              <input
                type="number"
                min={1}
                step={1}
                disabled={off}
                value={par}
                onInput={(e) => setPar((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            {button(
              'Apply',
              {
                op: 'parallelism',
                parallelism: Number(par),
                title: `Set parallelism of ${name} to ${par}`,
                text: `From ${tree.parallelism[index]} to ${par} children at once.`,
              },
              Number(par) >= 1 && Number.isInteger(Number(par)),
            )}
          </>
        ) : null}
      </div>
      <p class={`outcome ${outcome ? (outcome.ok ? 'ok' : 'err') : ''}`} role="status" aria-live="polite">
        {busy ? 'Sending…' : outcome ? `${outcome.ok ? '✓' : '✗'} ${outcome.text}` : ''}
      </p>
      {pending ? (
        <ConfirmDialog
          title={`${pending.title}?`}
          confirmLabel={pending.title.split(' ')[0] ?? 'Confirm'}
          danger={pending.danger}
          onCancel={() => setPending(undefined)}
          onConfirm={(reason) => void run(pending, reason)}
        >
          <p>{pending.text}</p>
          <p class="task-id">{id}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

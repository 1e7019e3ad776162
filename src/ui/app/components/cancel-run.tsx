import { useState } from 'preact/hooks';
import { cancelRun } from '../api/runs.js';
import { refreshJobs, useAuth } from '../hooks.js';
import { ConfirmDialog } from './confirm-dialog.js';

/** Props of {@link CancelRun}. */
export interface CancelRunProps {
  jobId: string;
  /** How the run reads in the dialog (`rolling-upgrade #12`). */
  label: string;
  /** False once the run has finished. */
  enabled: boolean;
  /** Called after the server accepted the cancel (to reload a list). */
  onDone?(): void;
}

/**
 * Cancels a run after a confirmation with an optional reason: polling stops and every unfinished
 * task ends SKIPPED with that reason, recorded under the operator's name. Disabled for a viewer.
 */
export function CancelRun({ jobId, label, enabled, onDone }: CancelRunProps) {
  const access = useAuth();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const go = async (reason: string) => {
    setAsking(false);
    setBusy(true);
    setOutcome(undefined);
    try {
      await cancelRun(jobId, reason);
      setOutcome({ ok: true, text: 'cancelled' });
      void refreshJobs();
      onDone?.();
    } catch (err) {
      setOutcome({ ok: false, text: `cancel failed: ${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="cancel-run">
      <button
        type="button"
        class="danger"
        disabled={!enabled || busy || access.canWrite === false}
        onClick={() => setAsking(true)}
        aria-label={`Cancel ${label}`}
      >
        {busy ? 'Cancelling…' : 'Cancel run'}
      </button>
      <span class={`outcome ${outcome ? (outcome.ok ? 'ok' : 'err') : ''}`} role="status" aria-live="polite">
        {outcome ? `${outcome.ok ? '✓' : '✗'} ${outcome.text}` : ''}
      </span>
      {asking ? (
        <ConfirmDialog
          title={`Cancel ${label}?`}
          confirmLabel="Cancel run"
          danger
          onCancel={() => setAsking(false)}
          onConfirm={(reason) => void go(reason)}
        >
          <p>
            Polling stops and every unfinished task ends SKIPPED with your reason. Finished tasks keep their
            state.
          </p>
          <p class="task-id">{jobId}</p>
        </ConfirmDialog>
      ) : null}
    </span>
  );
}

import type { JobHalt } from '../../../wire/json.js';
import { formatTime } from '../model/format.js';

/**
 * Says that a job is halted: its store refused a commit, so nothing runs and actions are refused
 * until the job recovers by itself (it retries at `retryAt`).
 */
export function HaltBanner({ halted }: { halted: JobHalt | undefined }) {
  if (!halted) return null;
  const lost = halted.code === 'RNR_ERR_LEASE_LOST';
  return (
    <p class="halt-banner" role="alert">
      <strong>Halted</strong> since {formatTime(halted.since)}: {halted.code}: {halted.message}.{' '}
      {lost
        ? 'Another process runs this job now.'
        : `Nothing runs and actions are refused until its store accepts commits again${halted.retryAt ? ` (next try ${formatTime(halted.retryAt)})` : ''}.`}
    </p>
  );
}

import type { WorkflowJson } from '../../../wire/json.js';
import { relativeTime, toMs } from '../model/zoned-time.js';
import { jobHref, onLinkClick } from '../router.js';

type LastFire = NonNullable<WorkflowJson['schedules'][number]['lastFire']>;

/**
 * What became of a schedule's last fire time on this server: the run it started, or why it
 * started none (skipped while its last run is unfinished, refused by concurrency, failed).
 */
export function LastFireCell({ fire, now }: { fire: LastFire | undefined; now: number }) {
  const at = toMs(fire?.at);
  if (!fire || at === undefined)
    return (
      <span class="note" title="this server has not fired it since it started">
        –
      </span>
    );
  const when = <time dateTime={new Date(at).toISOString()}>{relativeTime(at, now)}</time>;
  switch (fire.outcome) {
    case 'started':
      return (
        <span class="last-fire started">
          {when}: started{' '}
          {fire.run ? (
            <a href={jobHref(fire.run)} onClick={onLinkClick}>
              {fire.run}
            </a>
          ) : null}
        </span>
      );
    case 'elsewhere':
      return <span class="last-fire note">{when}: fired by another process</span>;
    default:
      return (
        <span class={`last-fire ${fire.outcome === 'failed' ? 'failed' : 'skipped'}`}>
          {when}: {fire.outcome === 'failed' ? 'failed to start' : 'skipped'}
          {fire.reason ? <div class="reason">{fire.reason}</div> : null}
        </span>
      );
  }
}

import { formatTime } from '../model/format.js';
import { inZone, relativeTime, toMs, viewerZone } from '../model/zoned-time.js';

/**
 * A schedule's next fire time: relative (`in 3h 05m`), then absolute in the schedule's time zone
 * and, when it differs, in the viewer's.
 */
export function ScheduleTime({ at, zone, now }: { at: unknown; zone: string | undefined; now: number }) {
  const ms = toMs(at);
  if (ms === undefined)
    return (
      <span class="note" title="the server gave no next time">
        –
      </span>
    );
  const tz = zone || 'UTC';
  const there = inZone(ms, tz);
  const mine = viewerZone();
  const here = inZone(ms, mine);
  const sameClock = there && here && there.text === here.text && there.offset === here.offset;
  return (
    <span class="next-at">
      <strong>{relativeTime(ms, now)}</strong>{' '}
      <time dateTime={new Date(ms).toISOString()}>
        {there ? `${there.text} ${tz}` : formatTime(ms)}
        {there ? <span class="offset"> ({there.offset})</span> : null}
      </time>
      {here && !sameClock ? (
        <span class="note">
          {' '}
          · {here.text} your time ({mine})
        </span>
      ) : null}
    </span>
  );
}

/**
 * Times in a named time zone (a schedule's) and in the viewer's, and relative to now: how the
 * view shows a schedule's next fire time.
 */
import { formatDuration } from '../../../wire/duration.js';

const formats = new Map<string, Intl.DateTimeFormat | undefined>();

function formatter(zone: string): Intl.DateTimeFormat | undefined {
  if (!formats.has(zone)) {
    try {
      formats.set(
        zone,
        new Intl.DateTimeFormat('en-CA', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
          timeZoneName: 'longOffset',
        }),
      );
    } catch {
      formats.set(zone, undefined); // A zone this browser does not know.
    }
  }
  return formats.get(zone);
}

/** The viewer's time zone (`Europe/Berlin`), or UTC when the browser does not say. */
export function viewerZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** A time in `zone` as `2025-06-02 03:00` and its offset (`UTC+02:00`); undefined for an unknown zone. */
export function inZone(ms: number, zone: string): { text: string; offset: string } | undefined {
  const f = formatter(zone);
  if (!f || !Number.isFinite(ms)) return undefined;
  const parts = new Map(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const offset = (parts.get('timeZoneName') ?? 'GMT').replace(/^GMT/, 'UTC');
  return {
    text: `${parts.get('year')}-${parts.get('month')}-${parts.get('day')} ${parts.get('hour')}:${parts.get('minute')}`,
    offset: offset === 'UTC' ? 'UTC+00:00' : offset,
  };
}

/** `in 3h 05m`, `42s ago`, or `now` (within a second). */
export function relativeTime(ms: number, now: number): string {
  const d = ms - now;
  if (Math.abs(d) < 1000) return 'now';
  return d > 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}

/** A time the API sent as epoch ms (or, leniently, an ISO string); undefined when absent or bad. */
export function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value === 'string' && value !== '') {
    const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }
  return undefined;
}

import { formatDuration } from '../../../wire/duration.js';

/** Formats an epoch-ms time as local `YYYY-MM-DD HH:MM:SS`, or '–' when absent. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return '–';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Elapsed time of something that started at `start` and maybe finished at `end`. */
export function elapsed(start: number | undefined, end: number | undefined, now: number): string {
  if (start === undefined || !Number.isFinite(start) || start <= 0) return '';
  const stop = end !== undefined && Number.isFinite(end) && end > 0 ? end : now;
  return formatDuration(stop - start);
}

/** A whole number with thin grouping, e.g. `100 000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, '\u202f');
}

/** How long until a pending retry: `25s`, or `due` once its time has passed (job stopped, task paused). */
export function retryCountdown(at: number, now: number): string {
  return at > now ? formatDuration(at - now) : 'due';
}

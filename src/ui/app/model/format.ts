/** Formats a duration in ms the way an operator reads it: `850ms`, `42s`, `3m 05s`, `2h 04m`, `3d 1h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

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

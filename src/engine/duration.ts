/**
 * A duration the way rnr writes it for people, in the CLI and the web view alike: the two largest
 * units, the smaller one padded to two digits, no spaces — `850ms`, `12s`, `3m04s`, `2h05m`,
 * `3d04h` — so columns of durations line up and a value reads as one word. Truncated, never
 * rounded up (a task 3m04.9s in shows `3m04s`). A negative or non-finite span (clock skew) is `-`.
 *
 * @example
 * formatDuration(184_000); // '3m04s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d${pad(h % 24)}h`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

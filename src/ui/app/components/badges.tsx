import { formatCount } from '../model/format.js';
import { displayOrder, nameOf, stateLook } from '../model/states.js';

/** A state shown by symbol, colour and (unless `compact`) name: never colour alone. Compact badges leave the paused mark to the caller. */
export function StateBadge({
  state,
  paused,
  compact,
}: {
  state: number;
  paused?: boolean;
  compact?: boolean;
}) {
  const look = stateLook[state] ?? stateLook[0]!;
  const title = `${look.label}${paused ? ', paused' : ''}`;
  return (
    <span class={`badge ${look.cls}`} title={title} data-state={nameOf(state)}>
      <span class="sym" aria-hidden="true">
        {look.symbol}
      </span>
      {compact ? <span class="sr-only">{look.label}</span> : <span class="label">{look.label}</span>}
      {paused && !compact ? (
        <span class="paused" title="paused">
          <span class="sr-only">, </span>paused
        </span>
      ) : null}
    </span>
  );
}

/** A progress bar of `done` out of `total`, coloured by the failed and skipped shares. */
export function ProgressBar({
  done,
  total,
  failed = 0,
  skipped = 0,
  label,
}: {
  done: number;
  total: number;
  failed?: number;
  skipped?: number;
  label: string;
}) {
  const pct = (n: number) => (total > 0 ? (100 * n) / total : 0);
  const ok = Math.max(0, done - failed - skipped);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done}
      aria-valuetext={`${done} of ${total} done`}
    >
      <div class="bar">
        <span class="seg s-success" style={{ width: `${pct(ok)}%` }} />
        <span class="seg s-skipped" style={{ width: `${pct(skipped)}%` }} />
        <span class="seg s-failed" style={{ width: `${pct(failed)}%` }} />
      </div>
      <span class="progress-text">
        {formatCount(done)}/{formatCount(total)}
      </span>
    </div>
  );
}

/** Tasks per state as symbol + number chips, most urgent first; zero counts left out. */
export function StateCounts({ counts }: { counts: ArrayLike<number> | Record<string, number> }) {
  const get = (s: number) =>
    Array.isArray(counts) || ArrayBuffer.isView(counts)
      ? ((counts as ArrayLike<number>)[s] ?? 0)
      : ((counts as Record<string, number>)[nameOf(s)] ?? 0);
  return (
    <ul class="counts" aria-label="Tasks per state">
      {displayOrder
        .filter((s) => get(s) > 0)
        .map((s) => {
          const look = stateLook[s]!;
          return (
            <li key={s} class={`count ${look.cls}`} title={look.label} data-state={nameOf(s)}>
              <span aria-hidden="true">{look.symbol}</span> {formatCount(get(s))}
              <span class="sr-only"> {look.label}</span>
            </li>
          );
        })}
    </ul>
  );
}

import { formatCount } from '../model/format.js';
import { displayOrder, nameOf, stateLook } from '../model/states.js';
import type { TreeFilter } from '../model/visible-rows.js';

/** Props of {@link FilterBar}. */
export interface FilterBarProps {
  filter: TreeFilter;
  counts: ArrayLike<number>;
  shown: number;
  onChange(filter: TreeFilter): void;
  onExpandAll(): void;
  onCollapseAll(): void;
}

/** Filters the tree by state (toggle chips with counts) and by text (name, id or message). */
export function FilterBar({ filter, counts, shown, onChange, onExpandAll, onCollapseAll }: FilterBarProps) {
  const toggle = (s: number) => {
    const states = new Set(filter.states);
    if (states.has(s)) states.delete(s);
    else states.add(s);
    onChange({ ...filter, states });
  };
  return (
    <div class="filter-bar">
      <fieldset class="state-filter">
        <legend class="sr-only">Show tasks in state</legend>
        {displayOrder.map((s) => {
          const look = stateLook[s]!;
          const n = counts[s] ?? 0;
          if (n === 0 && !filter.states.has(s)) return null;
          return (
            <button
              key={s}
              type="button"
              class={`chip ${look.cls}`}
              aria-pressed={filter.states.has(s)}
              data-state={nameOf(s)}
              onClick={() => toggle(s)}
            >
              <span aria-hidden="true">{look.symbol}</span> {look.label}{' '}
              <span class="chip-n">{formatCount(n)}</span>
            </button>
          );
        })}
      </fieldset>
      <label class="text-filter">
        <span class="sr-only">Filter tasks by name, id or message</span>
        <input
          type="search"
          placeholder="Filter: name, id, message"
          value={filter.text}
          onInput={(e) => onChange({ ...filter, text: (e.currentTarget as HTMLInputElement).value })}
        />
      </label>
      <span class="shown" aria-live="polite">
        {formatCount(shown)} rows
      </span>
      <button type="button" class="link-button" onClick={onExpandAll}>
        Expand all
      </button>
      <button type="button" class="link-button" onClick={onCollapseAll}>
        Collapse all
      </button>
    </div>
  );
}

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/** Props of {@link VirtualList}. */
export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow(index: number, top: number): ComponentChildren;
  /** Keep this row in view (keyboard navigation). */
  activeIndex?: number;
  class?: string;
  role?: 'tree' | 'list' | 'grid';
  label: string;
  activeDescendant?: string;
  onKeyDown?: (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => void;
  /** Rows drawn beyond the viewport on each side. */
  overscan?: number;
}

/**
 * A scrolling list that draws only the rows in view (plus `overscan`), each absolutely placed at
 * `index * rowHeight`: 100,000 rows cost the DOM of 40.
 */
export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, overscan = 10 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight || 800);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 800));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    const i = props.activeIndex;
    if (!el || i === undefined || i < 0) return;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight)
      el.scrollTop = top + rowHeight - el.clientHeight;
  }, [props.activeIndex, rowHeight]);

  // After a filter shrinks the list the browser clamps scrollTop; draw from the clamped place at once.
  const top = Math.min(scrollTop, Math.max(0, count * rowHeight - height));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.renderRow(i, i * rowHeight));

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the role (tree, list) comes from the caller
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: as above
    <div
      ref={ref}
      class={`vlist ${props.class ?? ''}`}
      tabIndex={0}
      role={props.role}
      aria-label={props.label}
      aria-activedescendant={props.activeDescendant}
      onKeyDown={props.onKeyDown}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div class="vlist-body" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}

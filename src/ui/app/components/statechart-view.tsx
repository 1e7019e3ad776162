import { useEffect, useState } from 'preact/hooks';
import type { WireMachineStatus } from '../api/wire.js';
import {
  type ChartLayout,
  type ChartNode,
  type ChartStateJson,
  layoutChart,
  NODE_H,
  NODE_W,
  sameStateName,
} from '../model/statechart-layout.js';

let chart: Promise<ChartLayout> | undefined;

/** The task statechart, fetched once from the UI plugin (`machine.toJSON()` of machines/task.machine.ts). */
function loadTaskChart(): Promise<ChartLayout> {
  chart ??= fetch('/ui/machines/task.json').then(async (res) => {
    if (!res.ok) throw new Error(`statechart unavailable (${res.status})`);
    return layoutChart((await res.json()) as ChartStateJson);
  });
  chart.catch(() => {
    chart = undefined;
  });
  return chart;
}

/** Props of {@link StatechartView}. */
export interface StatechartViewProps {
  /** The task's state name, highlighted in the chart. */
  stateName: string;
  /** A machine task's own statechart status (its active state nodes). */
  machine?: WireMachineStatus;
}

/** The task statechart as a layered SVG with the task's current state highlighted. */
export function StatechartView({ stateName, machine }: StatechartViewProps) {
  const [layout, setLayout] = useState<ChartLayout | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    loadTaskChart().then(setLayout, (err: Error) => setError(err.message));
  }, []);
  if (error) return <p class="note">{error}</p>;
  if (!layout) return <p class="note">Loading statechart…</p>;
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Task statechart, current state ${stateName}`}
        style={{ maxHeight: `${layout.height}px` }}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
          <marker
            id="arrow-hot"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead hot" />
          </marker>
        </defs>
        {layout.edges.map((e) => {
          const a = byId.get(e.from);
          const b = byId.get(e.to);
          if (!a || !b) return null;
          const { d, lx, ly } = edgePath(a, b);
          // What can happen next stands out: edges out of the current state, with their events.
          const hot = sameStateName(a.key, stateName);
          return (
            <g key={`${e.from}>${e.to}`} class={`edge${hot ? ' hot' : ''}`}>
              <path d={d} marker-end={hot ? 'url(#arrow-hot)' : 'url(#arrow)'} />
              {hot ? (
                <text x={lx} y={ly}>
                  {e.events.join(', ')}
                </text>
              ) : null}
            </g>
          );
        })}
        {layout.nodes.map((n) => {
          const current = sameStateName(n.key, stateName);
          return (
            <g
              key={n.id}
              class={`node${current ? ' current' : ''}${n.initial ? ' initial' : ''}`}
              data-state={n.key}
            >
              <rect x={n.x} y={n.y} width={NODE_W} height={NODE_H} rx={8} />
              <text x={n.x + NODE_W / 2} y={n.y + NODE_H / 2 + 4}>
                {current ? '● ' : ''}
                {n.key}
                {n.substates > 0 ? ` (+${n.substates})` : ''}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        Current: <strong>{stateName}</strong>
        {layout.global.length > 0 ? <> · from any state: {layout.global.join(' · ')}</> : null}
      </figcaption>
      {machine ? (
        <div class="machine-status">
          <p>
            Own machine <code>{machine.machineId}</code>: {machine.status ?? 'active'}
          </p>
          <ul aria-label="Active state nodes">
            {(machine.active ?? []).map((path) => (
              <li key={path}>
                <code>{path}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </figure>
  );
}

/** A curve from `a` to `b`: down between layers, sideways within a layer, a loop onto itself. */
function edgePath(a: ChartNode, b: ChartNode): { d: string; lx: number; ly: number } {
  if (a.id === b.id) {
    const x = a.x + NODE_W;
    const y = a.y + NODE_H / 2;
    return {
      d: `M${x},${y - 8} C${x + 30},${y - 24} ${x + 30},${y + 24} ${x},${y + 8}`,
      lx: x + 20,
      ly: y + 4,
    };
  }
  if (b.row > a.row) {
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const my = (y1 + y2) / 2;
    return {
      d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`,
      lx: x1 + (x2 - x1) * 0.75,
      ly: y1 + (y2 - y1) * 0.75,
    };
  }
  // Back (upward) or sideways: leave from the side and arc, so it does not overlap forward edges.
  const right = b.x >= a.x;
  const x1 = right ? a.x + NODE_W : a.x;
  const x2 = right ? b.x + NODE_W : b.x;
  const y1 = a.y + NODE_H / 2;
  const y2 = b.y + NODE_H / 2;
  const bulge = right ? 40 : -40;
  return {
    d: `M${x1},${y1} C${x1 + bulge},${y1} ${x2 + bulge},${y2} ${x2},${y2}`,
    lx: (x1 + x2) / 2 + bulge * 0.75,
    ly: (y1 + y2) / 2,
  };
}

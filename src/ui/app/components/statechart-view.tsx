import { useEffect, useState } from 'preact/hooks';
import type { MachineStatus } from '../../../wire/json.js';
import {
  type ChartLayout,
  type ChartNode,
  type ChartStateJson,
  layoutChart,
  NODE_H,
  NODE_W,
  sameStateName,
} from '../model/statechart-layout.js';

const charts = new Map<string, Promise<ChartLayout>>();

/** A chart to draw: rnr's task chart by default, or a machine task's own machine. */
export interface ChartSource {
  /** Caches the drawing: one per key. */
  key: string;
  load(): Promise<ChartStateJson>;
}

/** The task statechart, served by the UI plugin (`machine.toJSON()` of machines/task.machine.ts). */
const taskChart: ChartSource = {
  key: 'rnr:task',
  load: () =>
    fetch('/ui/machines/task.json').then(async (res) => {
      if (!res.ok) throw new Error(`statechart unavailable (${res.status})`);
      return (await res.json()) as ChartStateJson;
    }),
};

function loadChart(source: ChartSource): Promise<ChartLayout> {
  let chart = charts.get(source.key);
  if (!chart) {
    chart = source.load().then(layoutChart);
    charts.set(source.key, chart);
    chart.catch(() => charts.delete(source.key));
  }
  return chart;
}

/** Props of {@link StatechartView}. */
export interface StatechartViewProps {
  /** The task's state name, highlighted in rnr's task chart. */
  stateName: string;
  /** A machine task's own statechart status (its active state nodes). */
  machine?: MachineStatus;
  /** Draw this chart instead of the task chart; its active nodes come from `machine.active`. */
  source?: ChartSource;
}

/**
 * A statechart as a layered SVG with the current state highlighted: rnr's task chart (current =
 * the task's state), or a machine task's own machine (current = its active top-level states).
 */
export function StatechartView({ stateName, machine, source }: StatechartViewProps) {
  const [layout, setLayout] = useState<ChartLayout | undefined>();
  const [error, setError] = useState<string | undefined>();
  const chartSource = source ?? taskChart;
  useEffect(() => {
    loadChart(chartSource).then(setLayout, (err: Error) => setError(err.message));
  }, [chartSource.key]);
  const active = new Set(machine?.active ?? []);
  const isCurrent = (key: string) => (source ? active.has(key) : sameStateName(key, stateName));
  const currentLabel = source ? (machine?.active ?? []).join(', ') || '(not started)' : stateName;
  if (error) return <p class="note">{error}</p>;
  if (!layout) return <p class="note">Loading statechart…</p>;
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`${source ? 'Machine' : 'Task'} statechart, current state ${currentLabel}`}
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
          const hot = isCurrent(a.key);
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
          const current = isCurrent(n.key);
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
        Current: <strong>{currentLabel}</strong>
        {layout.global.length > 0 ? <> · from any state: {layout.global.join(' · ')}</> : null}
      </figcaption>
      {machine && !source ? (
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

/** The parts of `machine.toJSON()` the drawing reads. */
export interface ChartStateJson {
  id: string;
  key: string;
  type?: string;
  initial?: { target?: string[] };
  states?: Record<string, ChartStateJson>;
  on?: Record<string, { target?: string[]; guard?: unknown }[]>;
}

/** A drawn state: a box in a layer. */
export interface ChartNode {
  id: string;
  key: string;
  layer: number;
  /** The drawing row (a wide layer takes several). */
  row: number;
  x: number;
  y: number;
  initial: boolean;
  /** How many substates it has (drawn as a count, not expanded). */
  substates: number;
}

/** A drawn transition between two top-level states, with every event that takes it. */
export interface ChartEdge {
  from: string;
  to: string;
  events: string[];
}

/** A laid-out chart. */
export interface ChartLayout {
  nodes: ChartNode[];
  edges: ChartEdge[];
  /** Transitions on the machine itself (taken from any state), e.g. `retry → PENDING`. */
  global: string[];
  width: number;
  height: number;
}

/** Width of a state's box, in SVG units. */
export const NODE_W = 112;
/** Height of a state's box, in SVG units. */
export const NODE_H = 34;
const GAP_X = 24;
const GAP_Y = 56;
/** Most states side by side before a layer wraps. */
const MAX_PER_ROW = 3;

/**
 * Lays out the top-level states of a machine in layers (top to bottom) by their distance from the
 * initial state, lifting transitions of substates to their top-level ancestor.
 */
export function layoutChart(root: ChartStateJson): ChartLayout {
  const top = Object.values(root.states ?? {});
  const ownerOf = new Map<string, string>();
  const visit = (s: ChartStateJson, owner: string) => {
    ownerOf.set(s.id, owner);
    for (const c of Object.values(s.states ?? {})) visit(c, owner);
  };
  for (const s of top) visit(s, s.id);
  const target = (t: string) => ownerOf.get(t.replace(/^#/, ''));

  const edgeMap = new Map<string, ChartEdge>();
  const addEdges = (s: ChartStateJson, owner: string) => {
    for (const [event, transitions] of Object.entries(s.on ?? {})) {
      for (const t of transitions) {
        for (const raw of t.target ?? []) {
          const to = target(raw);
          if (!to) continue;
          const k = `${owner}\u0000${to}`;
          const edge = edgeMap.get(k) ?? { from: owner, to, events: [] };
          if (!edge.events.includes(event)) edge.events.push(event);
          edgeMap.set(k, edge);
        }
      }
    }
    for (const c of Object.values(s.states ?? {})) addEdges(c, owner);
  };
  for (const s of top) addEdges(s, s.id);
  const edges = [...edgeMap.values()];

  const global: string[] = [];
  for (const [event, transitions] of Object.entries(root.on ?? {})) {
    const targets = transitions.flatMap((t) => (t.target ?? []).map((x) => x.split('.').at(-1) ?? x));
    global.push(
      targets.length === 0
        ? event
        : targets.length > 2
          ? `${event} → any state`
          : `${event} → ${targets.join(', ')}`,
    );
  }

  const initial = target(root.initial?.target?.[0] ?? '') ?? top[0]?.id;
  const layer = new Map<string, number>();
  if (initial) layer.set(initial, 0);
  const queue = initial ? [initial] : [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of edges) {
      if (e.from === id && !layer.has(e.to)) {
        layer.set(e.to, layer.get(id)! + 1);
        queue.push(e.to);
      }
    }
  }
  const maxLayer = Math.max(0, ...layer.values());
  const layers: ChartStateJson[][] = [];
  for (const s of top) {
    const l = layer.get(s.id) ?? maxLayer + 1;
    const row = layers[l] ?? [];
    row.push(s);
    layers[l] = row;
  }
  // A wide layer wraps onto several rows, so the drawing stays readable in a narrow panel.
  const rows: ChartStateJson[][] = [];
  for (const row of layers) {
    for (let k = 0; k < (row?.length ?? 0); k += MAX_PER_ROW) rows.push(row!.slice(k, k + MAX_PER_ROW));
  }
  const widest = Math.max(1, ...rows.map((r) => r?.length ?? 0));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const nodes: ChartNode[] = [];
  rows.forEach((row, r) => {
    const l = layer.get(row[0]!.id) ?? maxLayer + 1;
    const rowWidth = row.length * (NODE_W + GAP_X) - GAP_X;
    row.forEach((s, k) => {
      nodes.push({
        id: s.id,
        key: s.key,
        layer: l,
        row: rows.indexOf(row),
        x: (width - rowWidth) / 2 + k * (NODE_W + GAP_X),
        y: GAP_X + r * (NODE_H + GAP_Y),
        initial: s.id === initial,
        substates: Object.keys(s.states ?? {}).length,
      });
    });
  });
  const height = GAP_X * 2 + rows.length * (NODE_H + GAP_Y) - GAP_Y;
  return { nodes, edges, global, width, height };
}

/** Compares a state key with a state name loosely: `ACTION_PENDING` matches `actionPending`. */
export function sameStateName(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return norm(a) === norm(b);
}

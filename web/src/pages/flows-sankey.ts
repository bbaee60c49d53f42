import { SankeyChart } from 'echarts/charts';
import { type EChartsOption, echarts } from '../lib/echarts.ts';
import { pathKey, type TreeRow } from './flows-tree.ts';

// Only the flows page draws a Sankey: registered here so the overview bundle does not carry it.
echarts.use([SankeyChart]);

const START = 'start';
const DROP_COLOUR = '#a40e26';
const START_COLOUR = '#57606a';
const STEP_COLOUR = '#0072B2';
const OPEN_COLOUR = '#009E73';

/** What a Sankey node stands for; its `name` (the ECharts key) is unique per path. */
export interface SankeyNode {
  name: string;
  kind: 'start' | 'step' | 'dropoff';
  step: string;
  path: readonly string[];
  value: number;
  open: boolean;
}

/**
 * Node keys: a step is keyed by its whole path (the same step id can appear at several
 * depths and branches), a drop-off by its parent's path, labels show the step id only.
 */
export const nodeKey = (row: Pick<TreeRow, 'path' | 'parent' | 'dropoff'>): string =>
  row.dropoff ? `d:${pathKey(row.parent)}` : `s:${pathKey(row.path)}`;
const parentKey = (row: TreeRow): string => (row.parent.length === 0 ? START : `s:${pathKey(row.parent)}`);

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function sankeyNodes(rows: readonly TreeRow[], total: number): SankeyNode[] {
  return [
    { name: START, kind: 'start', step: 'Start', path: [], value: total, open: true },
    ...rows.map(
      (r): SankeyNode => ({
        name: nodeKey(r),
        kind: r.dropoff ? 'dropoff' : 'step',
        step: r.dropoff ? 'Drop-off' : r.id,
        path: r.path,
        value: r.occurrences,
        open: r.open,
      }),
    ),
  ];
}

/** The explored paths as a Sankey: Start → first steps → children of every open node. */
export function sankeyOption(rows: readonly TreeRow[], total: number): EChartsOption {
  const nodes = sankeyNodes(rows, total);
  const colour = (n: SankeyNode) =>
    n.kind === 'start' ? START_COLOUR : n.kind === 'dropoff' ? DROP_COLOUR : n.open ? OPEN_COLOUR : STEP_COLOUR;
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataType?: string; data?: unknown; value?: unknown }) => {
        if (p.dataType === 'edge') {
          const e = p.data as { desc: string; value: number };
          return `${escapeHtml(e.desc)}<br>${e.value} conversations`;
        }
        const n = p.data as SankeyNode;
        const where = n.path.length ? n.path.map(escapeHtml).join(' → ') : 'conversation start';
        const hint = n.kind === 'step' ? `<br>Click to ${n.open ? 'collapse' : 'expand'}` : '';
        return `${escapeHtml(n.step)}<br>${where}<br>${n.value} conversations${hint}`;
      },
    },
    series: [
      {
        type: 'sankey',
        left: 10,
        right: 150,
        top: 10,
        bottom: 10,
        nodeAlign: 'left',
        // No relayout: the API's order (occurrences desc) stays top to bottom.
        layoutIterations: 0,
        nodeGap: 10,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        label: {
          color: '#1b1f24',
          width: 140,
          overflow: 'truncate',
          formatter: (p: { data?: unknown }) => (p.data as SankeyNode).step,
        },
        lineStyle: { color: 'gradient', opacity: 0.35 },
        data: nodes.map((n) => ({ ...n, itemStyle: { color: colour(n) } })),
        links: rows.map((r) => ({
          source: parentKey(r),
          target: nodeKey(r),
          value: r.occurrences,
          desc: `${r.parent.length ? r.parent[r.parent.length - 1] : 'Start'} → ${r.dropoff ? 'Drop-off' : r.id}`,
        })),
      },
    ],
  };
}

/** Height that leaves every node of the busiest depth readable. */
export function sankeyHeight(rows: readonly TreeRow[]): number {
  const perDepth = new Map<number, number>();
  for (const r of rows) perDepth.set(r.path.length, (perDepth.get(r.path.length) ?? 0) + 1);
  return Math.max(320, Math.max(0, ...perDepth.values()) * 34 + 40);
}

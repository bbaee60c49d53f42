import type { TableData } from '../components/panel.tsx';
import { type Controls, timeRange } from '../lib/controls.ts';
import type { EChartsOption } from '../lib/echarts.ts';
import { formatPercent } from './events-format.ts';
import { type AttributeFilter, completeFilter, type FunnelResponse, parseFilterList } from './events-types.ts';

// The funnel as the address keeps it (`funnel` = this object as JSON), so a shared link
// recomputes the same funnel; and what is derived from it: the API body, table and chart.

export type OrderType = 'sequential' | 'strict';

export interface FunnelStepDef {
  event: string;
  filters: AttributeFilter[];
}

/** `events`: users through tracking events; `flows`: conversations through flow steps. */
export type FunnelKind = 'events' | 'flows';

export interface FunnelDef {
  kind: FunnelKind;
  steps: FunnelStepDef[];
  order_type: OrderType;
  /** '' = no breakdown; else an attribute key or a `$` field. */
  breakdown: string;
}

export const EMPTY_FUNNEL: FunnelDef = { kind: 'events', steps: [], order_type: 'sequential', breakdown: '' };

export function parseFunnel(text: string | null): FunnelDef {
  if (!text) return EMPTY_FUNNEL;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const steps = Array.isArray(raw.steps)
      ? raw.steps.flatMap((s: unknown) => {
          if (typeof s !== 'object' || s === null) return [];
          const o = s as Record<string, unknown>;
          return typeof o.event === 'string'
            ? [{ event: o.event, filters: parseFilterList(JSON.stringify(o.filters ?? [])) }]
            : [];
        })
      : [];
    return {
      kind: raw.kind === 'flows' ? 'flows' : 'events',
      steps: steps.slice(0, 20),
      order_type: raw.order_type === 'strict' ? 'strict' : 'sequential',
      breakdown: typeof raw.breakdown === 'string' ? raw.breakdown : '',
    };
  } catch {
    // A hand-edited address: start from an empty funnel rather than fail.
    return EMPTY_FUNNEL;
  }
}

/** The steps the API is asked about: those with an event picked. */
export const usableSteps = (def: FunnelDef) => def.steps.filter((s) => s.event.trim() !== '');

/**
 * The ComputeEventsFunnel body for the definition and the controls: steps in the order
 * shown (`order` 1…n), complete filters only, and the controls' channel and language
 * filters as top-level `$` properties (they narrow every step's events).
 */
export function funnelBody(def: FunnelDef, c: Controls): Record<string, unknown> {
  const range = timeRange(c);
  const properties: AttributeFilter[] = [];
  if (c.channels.length) properties.push({ key: '$channel_type', operator: 'eq', value: c.channels });
  if (c.languages.length) properties.push({ key: '$language', operator: 'eq', value: c.languages });
  return {
    version: c.version,
    start_time: range.start_time,
    end_time: range.end_time,
    timezone: c.tz,
    steps: usableSteps(def).map((s, i) => ({
      order: i + 1,
      event_id: s.event.trim(),
      // The flow funnel filters on conversation fields only: its steps take none here.
      properties: def.kind === 'events' ? s.filters.filter(completeFilter) : [],
    })),
    order_type: def.order_type,
    breakdown_property: def.breakdown,
    properties,
  };
}

/** One row per step (per breakdown value): the count and both conversions. */
export function funnelTable(r: FunnelResponse, breakdown: boolean): TableData {
  const columns = [
    ...(breakdown ? ['breakdown_value'] : []),
    'order',
    'event_id',
    'count',
    'conversion_from_first',
    'conversion_from_previous',
  ];
  const rows: (string | number)[][] = [];
  for (const entry of r.result) {
    const first = entry.values[0]?.count ?? 0;
    entry.values.forEach((v, i) => {
      const prev = i === 0 ? v.count : (entry.values[i - 1]?.count ?? 0);
      rows.push([
        ...(breakdown ? [v.breakdown_value] : []),
        v.order,
        v.event_id,
        v.count,
        formatPercent(v.count, first),
        formatPercent(v.count, prev),
      ]);
    });
  }
  return { columns, rows };
}

/** How many breakdown values get their own bars (the table holds them all). */
const MAX_SERIES = 8;

/** Horizontal bars, step 1 on top, labelled with the count and the share of step 1. */
export function funnelOption(r: FunnelResponse, breakdown: boolean, actors: string): EChartsOption {
  const steps = r.result[0]?.values ?? [];
  const categories = steps.map((v) => `${v.order}. ${v.event_id}`);
  const entries = r.result.slice(0, MAX_SERIES);
  return {
    grid: { left: 8, right: 90, top: breakdown ? 36 : 10, bottom: 24, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: breakdown ? { top: 0, type: 'scroll' } : undefined,
    xAxis: { type: 'value', name: actors, nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'category', data: categories, inverse: true },
    series: entries.map((e) => {
      const first = e.values[0]?.count ?? 0;
      return {
        type: 'bar',
        name: breakdown ? e.values[0]?.breakdown_value || '(not set)' : actors,
        data: e.values.map((v) => v.count),
        label: {
          show: true,
          position: 'right',
          formatter: (p: { value: number }) => `${p.value} (${formatPercent(p.value, first)})`,
        },
      };
    }),
  };
}

import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { api, type Query, queryString } from '../lib/api.ts';
import type { EChartsOption } from '../lib/echarts.ts';
import { seriesEmpty, seriesTable } from '../lib/series-chart.ts';
import type { SeriesData, SeriesResponse } from '../lib/types.ts';
import { type Loaded, useApi } from '../lib/use-api.ts';

// One API series operation shown as a chart: the panel reads `path` with `query`, draws
// `toOption(data)`, shows the answer as its table (the API's CSV shape) and downloads the
// API's own CSV for exactly that query. Shared by the overview and the intents page.

export const botPath = (bot: string, op: string): string => `/v1/bots/${encodeURIComponent(bot)}/${op}`;

/** The query a panel read, as the address would carry it (`data-query`, read by tests). */
export const queryText = (q: Query): string => queryString(q).slice(1);

/** Loads one series operation; re-runs (aborting the old request) when path or query change. */
export function useSeries(path: string, query: Query): Loaded<SeriesData> {
  return useApi(`${path}?${queryText(query)}`, (signal) =>
    api.get<SeriesResponse>(path, query, signal).then((r) => r.data),
  );
}

/** Wraps a panel with the query it read; `display: contents` keeps the panel a grid item. */
export function QuerySlot({ id, query, children }: { id: string; query: Query; children: ComponentChildren }) {
  return (
    <div class="query-slot" data-query-for={id} data-query={queryText(query)}>
      {children}
    </div>
  );
}

export interface SeriesPanelProps {
  id: string;
  title: string;
  path: string;
  query: Query;
  toOption: (data: SeriesData) => EChartsOption;
  wide?: boolean;
  height?: number;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}

/** A series operation the panel loads itself. */
export function SeriesPanel(props: SeriesPanelProps) {
  return <SeriesView {...props} loaded={useSeries(props.path, props.query)} />;
}

/** A series answer loaded elsewhere on the page (one request shared by two panels). */
export function SeriesView(props: SeriesPanelProps & { loaded: Loaded<SeriesData> }) {
  const { loaded } = props;
  const data = loaded.state === 'ready' ? loaded.data : null;
  const { toOption } = props;
  // Memoised: the chart redraws only when the answer changes, not on every page render.
  const option = useMemo(() => (data ? toOption(data) : undefined), [data, toOption]);
  const table = useMemo(() => (data ? seriesTable(data) : undefined), [data]);
  return (
    <QuerySlot id={props.id} query={props.query}>
      <Panel
        id={props.id}
        title={props.title}
        loaded={loaded}
        empty={data ? seriesEmpty(data) : false}
        option={option}
        table={table}
        csv={{ method: 'GET', path: props.path, query: props.query }}
        wide={props.wide}
        height={props.height}
        actions={props.actions}
      >
        {props.children}
      </Panel>
    </QuerySlot>
  );
}

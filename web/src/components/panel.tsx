import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Query } from '../lib/api.ts';
import { downloadText, toCsv } from '../lib/csv.ts';
import { type EChartsOption, echarts, PALETTE } from '../lib/echarts.ts';
import type { Loaded } from '../lib/use-api.ts';
import { ErrorState, Loading, NoDataInRange } from './states.tsx';

export interface TableData {
  columns: string[];
  rows: (string | number | null)[][];
}

/** The API operation a panel shows: its CSV is the server's own (`Accept: text/csv`). */
export interface CsvSource {
  method: 'GET' | 'POST';
  path: string;
  query: Query;
  body?: unknown;
}

export interface PanelProps {
  /** Stable id: `data-panel` for tests, the CSV file name. */
  id: string;
  title: string;
  loaded: Loaded<unknown>;
  /** True when the answer holds nothing to show (the empty state replaces the chart). */
  empty?: boolean;
  emptyState?: ComponentChildren;
  option?: EChartsOption;
  /** The numbers behind the chart, as a table: an accessible alternative and what tests read. */
  table?: TableData;
  /** Where "Download CSV" gets its file: an API operation, or the table above. */
  csv?: CsvSource | 'table';
  height?: number;
  wide?: boolean;
  children?: ComponentChildren;
  actions?: ComponentChildren;
  /** A click on a chart element (flows explorer, heatmap cell). */
  onChartClick?: (params: { name?: string; data?: unknown; dataIndex?: number; seriesIndex?: number }) => void;
}

function Chart({
  id,
  title,
  option,
  height,
  onChartClick,
}: Pick<PanelProps, 'id' | 'title' | 'option' | 'height' | 'onChartClick'>) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clickRef = useRef(onChartClick);
  clickRef.current = onChartClick;
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const c = echarts.init(node, null, { renderer: 'svg' });
    chart.current = c;
    c.on('click', (p) => clickRef.current?.(p as never));
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(node);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const c = chart.current;
    const node = el.current;
    if (!c || !node || !option) return;
    node.dataset.drawn = '0';
    c.off('finished');
    c.on('finished', () => {
      if (node.dataset.drawn === '1') return;
      node.dataset.drawn = '1';
      performance.mark(`chart-drawn:${id}`);
    });
    c.setOption({ color: PALETTE, aria: { enabled: true }, animation: false, ...option }, true);
  }, [option, id]);
  return <div class="chart" ref={el} role="img" aria-label={title} style={{ height: `${height ?? 280}px` }} />;
}

function DataTable({ id, table }: { id: string; table: TableData }) {
  return (
    <details class="data-table">
      <summary>Show as table</summary>
      <div class="table-scroll">
        <table data-table={id}>
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((v, j) => (
                  <td key={j}>{v ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** A titled card: loading / error / empty states, the chart, its table and "Download CSV". */
export function Panel(props: PanelProps) {
  const { id, title, loaded, empty, csv, table } = props;
  const [csvError, setCsvError] = useState<unknown>(null);
  const download = async () => {
    setCsvError(null);
    try {
      if (csv === 'table') {
        if (table) downloadText(`${id}.csv`, toCsv(table.columns, table.rows));
      } else if (csv) {
        downloadText(`${id}.csv`, await api.csv(csv.method, csv.path, csv.query, csv.body));
      }
    } catch (e) {
      setCsvError(e);
    }
  };
  const ready = loaded.state === 'ready';
  return (
    <section
      class={`panel${props.wide ? ' wide' : ''}`}
      data-panel={id}
      data-state={ready && empty ? 'empty' : loaded.state}
    >
      <header class="panel-head">
        <h2>{title}</h2>
        <div class="panel-actions">
          {props.actions}
          {csv && ready && !empty ? (
            <button type="button" class="csv" onClick={download}>
              Download CSV
            </button>
          ) : null}
        </div>
      </header>
      {loaded.state === 'loading' ? <Loading what={title.toLowerCase()} /> : null}
      {loaded.state === 'error' ? <ErrorState error={loaded.error} /> : null}
      {csvError ? <ErrorState error={csvError} /> : null}
      {ready && empty ? (props.emptyState ?? <NoDataInRange />) : null}
      {ready && !empty && props.option ? (
        <Chart id={id} title={title} option={props.option} height={props.height} onChartClick={props.onChartClick} />
      ) : null}
      {ready && !empty ? props.children : null}
      {ready && !empty && table ? <DataTable id={id} table={table} /> : null}
    </section>
  );
}

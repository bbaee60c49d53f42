import type { TableData } from '../components/panel.tsx';
import { type Bucket, formatBucket } from './controls.ts';
import type { EChartsOption } from './echarts.ts';
import type { SeriesData } from './types.ts';

export type SeriesKind = 'line' | 'bar' | 'stacked-bar' | 'area';

/** True when a series answer holds no data at all (every value zero or no series). */
export function seriesEmpty(data: SeriesData): boolean {
  return data.series.every((s) => s.values.every((v) => v === 0));
}

/** x labels as the user reads them: bucket starts in the chosen zone. */
export function xLabels(data: SeriesData, bucket: Bucket | undefined, tz: string): string[] {
  return data.x_values.map((x) => formatBucket(x, bucket, tz));
}

/** An API series answer as an ECharts option: one line/bar per series, labelled as the API labels it. */
export function seriesOption(
  data: SeriesData,
  opts: { kind?: SeriesKind; bucket?: Bucket; tz: string; labels?: string[] },
): EChartsOption {
  const kind = opts.kind ?? 'line';
  const names = opts.labels ?? data.series_labels;
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 48, right: 16, top: 16, bottom: 56 },
    xAxis: {
      type: 'category',
      data: xLabels(data, opts.bucket, opts.tz),
      boundaryGap: kind !== 'line' && kind !== 'area',
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: data.series.map((s, i) => ({
      name: names[i] ?? `series ${i + 1}`,
      type: kind === 'line' || kind === 'area' ? 'line' : 'bar',
      stack: kind === 'stacked-bar' || kind === 'area' ? 'total' : undefined,
      areaStyle: kind === 'area' ? {} : undefined,
      showSymbol: data.x_values.length <= 60,
      data: s.values,
    })),
  };
}

/**
 * The same answer as a table: one row per bucket (`x` = the API's x_values, RFC 3339),
 * one column per series label: the shape of the API's CSV for series operations.
 */
export function seriesTable(data: SeriesData): TableData {
  return {
    columns: ['x', ...data.series_labels],
    rows: data.x_values.map((x, i) => [x, ...data.series.map((s) => s.values[i] ?? 0)]),
  };
}

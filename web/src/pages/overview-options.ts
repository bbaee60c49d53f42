import type { EChartsOption } from '../lib/echarts.ts';
import type { SeriesData } from '../lib/types.ts';

// Chart options for the overview's non-time series: kept small (no animation, no symbols,
// category axes with the API's own x labels) so the charts draw fast.

/** Weekday × hour heatmap (GetUserActivity: seven series Monday…Sunday, x 00…23). */
export function heatmapOption(data: SeriesData): EChartsOption {
  const cells: [number, number, number][] = [];
  let max = 0;
  data.series.forEach((s, day) => {
    s.values.forEach((v, hour) => {
      cells.push([hour, day, v]);
      if (v > max) max = v;
    });
  });
  return {
    tooltip: { position: 'top' },
    grid: { left: 88, right: 16, top: 8, bottom: 72 },
    xAxis: { type: 'category', data: data.x_values, name: 'hour', nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'category', data: data.series_labels, inverse: true },
    visualMap: {
      min: 0,
      max: Math.max(1, max),
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      text: ['more users', 'fewer'],
      inRange: { color: ['#eef4fa', '#0072B2'] },
    },
    series: [{ type: 'heatmap', name: 'active users', data: cells }],
  };
}

/** A distribution (GetConversationsInsights): one bar per x value, labelled as the API labels it. */
export function distributionOption(axis: string, counted = 'conversations'): (data: SeriesData) => EChartsOption {
  return (data) => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 32, bottom: 44 },
    // Every bucket labelled (interval 0): the distributions have at most 11 short labels.
    xAxis: {
      type: 'category',
      data: data.x_values,
      name: axis,
      nameLocation: 'middle',
      nameGap: 28,
      axisLabel: { interval: 0, fontSize: 11 },
    },
    yAxis: { type: 'value', minInterval: 1, name: counted },
    series: data.series.map((s, i) => ({
      type: 'bar',
      name: data.series_labels[i] ?? counted,
      data: s.values,
    })),
  });
}

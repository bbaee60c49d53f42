import { useMemo } from 'preact/hooks';
import type { TableData } from '../components/panel.tsx';
import { Panel } from '../components/panel.tsx';
import type { Query } from '../lib/api.ts';
import type { Bucket } from '../lib/controls.ts';
import type { EChartsOption } from '../lib/echarts.ts';
import { setParams } from '../lib/location.ts';
import { seriesOption, xLabels } from '../lib/series-chart.ts';
import type { SeriesData } from '../lib/types.ts';
import type { Loaded } from '../lib/use-api.ts';
import { botPath, QuerySlot, SeriesView } from './overview-series.tsx';

// Each intent's trend (GetIntentInsights: one series per intent of the range's top 10) and
// the not-understood share over time (derived from GetMessages per bucket).

/** Trend chart: every top-10 intent as a line, or only the picked one. */
function trendOption(bucket: Bucket, tz: string, selected: string | undefined) {
  return (data: SeriesData): EChartsOption => {
    const option = seriesOption(data, { kind: 'line', bucket, tz });
    if (!selected || !data.series_labels.includes(selected)) return option;
    // "Show alone": the legend keeps every intent so another can be switched back on.
    return {
      ...option,
      legend: {
        type: 'scroll',
        bottom: 0,
        selected: Object.fromEntries(data.series_labels.map((l) => [l, l === selected])),
      },
    };
  };
}

export function TrendPanel(props: {
  bot: string;
  query: Query;
  bucket: Bucket;
  tz: string;
  selected: string | undefined;
  loaded: Loaded<SeriesData>;
}) {
  const { bot, bucket, tz, selected, loaded } = props;
  // The top-10 labels once known: the picker's choices and the "not available" note.
  const labels = loaded.state === 'ready' ? loaded.data.series_labels : null;
  const toOption = useMemo(() => trendOption(bucket, tz, selected), [bucket, tz, selected]);
  const outside = selected !== undefined && labels !== null && !labels.includes(selected);
  return (
    <SeriesView
      loaded={loaded}
      id="intent-trend"
      title={selected && !outside ? `Trend of ${selected}` : 'Trend of the top 10 intents'}
      path={botPath(bot, 'intents/insights')}
      query={props.query}
      toOption={toOption}
      wide
      actions={
        <label class="intents-pick">
          Intent{' '}
          <select
            name="intent"
            value={selected ?? ''}
            onChange={(e) => setParams({ intent: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">all of the top 10</option>
            {(labels ?? []).map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
            {selected && outside ? <option value={selected}>{selected}</option> : null}
          </select>
        </label>
      }
    >
      {outside ? (
        <p class="muted" role="status" data-trend-note>
          The trend of “{selected}” is not available: the API gives trends for the range's top 10 intents only. All of
          them are shown.
        </p>
      ) : null}
    </SeriesView>
  );
}

/** Not-understood share per bucket, in % (1 decimal); empty where no text message was sent. */
export function notUnderstoodShare(data: SeriesData): (number | null)[] {
  const u = data.series[data.series_labels.indexOf('understood')]?.values ?? [];
  const n = data.series[data.series_labels.indexOf('not_understood')]?.values ?? [];
  return data.x_values.map((_, i) => {
    const text = (u[i] ?? 0) + (n[i] ?? 0);
    return text === 0 ? null : Math.round(((n[i] ?? 0) / text) * 1000) / 10;
  });
}

export function NotUnderstoodPanel(props: {
  bot: string;
  query: Query;
  loaded: Loaded<SeriesData>;
  bucket: Bucket;
  tz: string;
}) {
  const { loaded, bucket, tz } = props;
  const data = loaded.state === 'ready' ? loaded.data : null;
  const derived = useMemo(() => {
    if (!data) return null;
    const share = notUnderstoodShare(data);
    const u = data.series[data.series_labels.indexOf('understood')]?.values ?? [];
    const n = data.series[data.series_labels.indexOf('not_understood')]?.values ?? [];
    const table: TableData = {
      columns: ['x', 'understood', 'not_understood', 'not_understood_share_pct'],
      rows: data.x_values.map((x, i) => [x, u[i] ?? 0, n[i] ?? 0, share[i] ?? null]),
    };
    const option: EChartsOption = {
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (v === null || v === undefined ? '' : `${v} %`) },
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: 'category', data: xLabels(data, bucket, tz), boundaryGap: false },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %' } },
      series: [
        {
          type: 'line',
          name: 'not understood share',
          data: share,
          connectNulls: false,
          showSymbol: data.x_values.length <= 60,
        },
      ],
    };
    return { table, option, empty: share.every((v) => v === null) };
  }, [data, bucket, tz]);
  return (
    <QuerySlot id="not-understood" query={props.query}>
      <Panel
        id="not-understood"
        title="Not-understood share over time"
        loaded={loaded}
        empty={derived?.empty ?? false}
        option={derived?.option}
        table={derived?.table}
        csv="table"
        wide
      >
        <p class="muted">
          Not understood ÷ (understood + not understood) text messages per{' '}
          {bucket === '1h' ? 'hour' : bucket === '1d' ? 'day' : 'week'}, from GetMessages; buttons and media are not
          counted.
        </p>
      </Panel>
    </QuerySlot>
  );
}

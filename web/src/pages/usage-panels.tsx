import { Panel } from '../components/panel.tsx';
import type { Query } from '../lib/api.ts';
import type { EChartsOption } from '../lib/echarts.ts';
import { seriesEmpty, seriesOption, seriesTable } from '../lib/series-chart.ts';
import type { SeriesData, SeriesResponse } from '../lib/types.ts';
import type { Loaded } from '../lib/use-api.ts';
import { bucketLabel, type TeamBucket, type VoiceBucket } from './usage-buckets.ts';

// The usage page's chart panels: each reads one API operation and offers that
// operation's own CSV for the very query it read.

export interface Source {
  path: string;
  query: Query;
}

/** A series answer as bars (stacked when `stacked`), x labels in the chosen zone. */
export function barsOption(
  data: SeriesData,
  bucket: TeamBucket | VoiceBucket | undefined,
  tz: string,
  stacked: boolean,
): EChartsOption {
  return {
    ...seriesOption(data, { kind: stacked ? 'stacked-bar' : 'bar', tz }),
    xAxis: {
      type: 'category',
      data: data.x_values.map((x) => bucketLabel(x, bucket, tz)),
      boundaryGap: true,
    },
  };
}

/** One series operation over time: chart, table in the API's CSV shape, the API's CSV. */
export function SeriesPanel(props: {
  id: string;
  title: string;
  source: Source;
  loaded: Loaded<SeriesResponse>;
  bucket: TeamBucket | VoiceBucket | undefined;
  tz: string;
  stacked?: boolean;
  empty?: string;
}) {
  const { loaded } = props;
  const data = loaded.state === 'ready' ? loaded.data.data : undefined;
  return (
    <Panel
      id={props.id}
      title={props.title}
      wide
      loaded={loaded}
      empty={data ? seriesEmpty(data) : false}
      emptyState={props.empty ? <EmptyNote text={props.empty} /> : undefined}
      option={data ? barsOption(data, props.bucket, props.tz, props.stacked ?? false) : undefined}
      table={data ? seriesTable(data) : undefined}
      csv={{ method: 'GET', path: props.source.path, query: props.source.query }}
    />
  );
}

function EmptyNote({ text }: { text: string }) {
  return (
    <div class="state state-empty" role="status">
      <strong>Nothing in this range</strong>
      <p>{text}</p>
    </div>
  );
}

/** Totals per group (the same operation without a bucket: one value per group for the range). */
export function GroupTotalsPanel(props: {
  id: string;
  title: string;
  groupLabel: string;
  source: Source;
  loaded: Loaded<SeriesResponse>;
}) {
  const { loaded } = props;
  const data = loaded.state === 'ready' ? loaded.data.data : undefined;
  const rows = data ? data.series.map((s, i) => [data.series_labels[i] ?? '', s.sum] as [string, number]) : [];
  const option: EChartsOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 130, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    // Largest first at the top.
    yAxis: { type: 'category', data: rows.map((r) => r[0] || '(none)').reverse() },
    series: [{ name: 'billable conversations', type: 'bar', data: rows.map((r) => r[1]).reverse() }],
  };
  return (
    <Panel
      id={props.id}
      title={props.title}
      loaded={loaded}
      empty={data ? seriesEmpty(data) : false}
      option={data ? option : undefined}
      height={Math.max(160, rows.length * 28 + 40)}
      table={{ columns: [props.groupLabel, 'billable conversations'], rows }}
      csv={{ method: 'GET', path: props.source.path, query: props.source.query }}
    />
  );
}

export interface TagRow {
  tag: string;
  count: number;
  rank: number;
}

/** The selected bot's knowledge-base tags, ranked (GetKnowledgeBaseTagsInsights). */
export function TagsPanel(props: { bot: string; source: Source; loaded: Loaded<{ data: TagRow[] }> }) {
  const { loaded } = props;
  const rows = loaded.state === 'ready' ? loaded.data.data : [];
  const top = rows.slice(0, 20);
  const option: EChartsOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 150, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: top.map((r) => r.tag).reverse() },
    series: [{ name: 'queries', type: 'bar', data: top.map((r) => r.count).reverse() }],
  };
  return (
    <Panel
      id="kb-tags"
      title={`Top knowledge-base tags of bot ${props.bot}`}
      loaded={loaded}
      empty={loaded.state === 'ready' && rows.length === 0}
      emptyState={<EmptyNote text="This bot had no tagged knowledge-base queries in the range, version and filters." />}
      option={loaded.state === 'ready' ? option : undefined}
      height={Math.max(160, top.length * 24 + 40)}
      table={{ columns: ['tag', 'count', 'rank'], rows: rows.map((r) => [r.tag, r.count, r.rank]) }}
      csv={{ method: 'GET', path: props.source.path, query: props.source.query }}
    >
      <p class="muted usage-note">
        Per bot: tags are read for the bot chosen in the bot menu, with its version, channel and language filters.
        {rows.length > top.length ? ` The chart shows the top ${top.length}; the table lists all ${rows.length}.` : ''}
      </p>
    </Panel>
  );
}

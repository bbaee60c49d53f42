import { useCallback, useMemo } from 'preact/hooks';
import { botQuery, previousRange, timeRange } from '../lib/controls.ts';
import { setParams } from '../lib/location.ts';
import { seriesOption } from '../lib/series-chart.ts';
import type { PageProps } from '../lib/session.ts';
import type { SeriesData } from '../lib/types.ts';
import { KpiPanel } from './overview-kpis.tsx';
import { distributionOption, heatmapOption } from './overview-options.ts';
import { botPath, SeriesPanel, SeriesView, useSeries } from './overview-series.tsx';
import './overview.css';

// The page a bot team opens every day. Every request starts as soon as the page renders
// (no panel waits for another's answer); the totals reuse the charts' conversations and
// messages and send their own requests last (see overview-kpis.tsx).

type Split = 'none' | 'channel' | 'language';
const GROUP_BY: Record<Split, string | undefined> = { none: undefined, channel: 'channel_type', language: 'language' };

function splitOf(params: URLSearchParams): Split {
  const s = params.get('split');
  return s === 'channel' || s === 'language' ? s : 'none';
}

// The three distributions of GetConversationsInsights (module-level options: stable identity).
const INSIGHTS = [
  {
    stat: 'num_messages',
    title: 'Messages per conversation',
    toOption: distributionOption('user messages', 'conversations'),
  },
  {
    stat: 'duration_seconds',
    title: 'Conversation duration',
    toOption: distributionOption('seconds', 'conversations'),
  },
  {
    stat: 'num_conversations',
    title: 'Conversations per user',
    toOption: distributionOption('conversations', 'users'),
  },
];

function SplitSelect({ split }: { split: Split }) {
  return (
    <label class="split">
      Split by{' '}
      <select
        name="split"
        value={split}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          setParams({ split: v === 'none' ? undefined : v });
        }}
      >
        <option value="none">none</option>
        <option value="channel">channel</option>
        <option value="language">language</option>
      </select>
    </label>
  );
}

export default function OverviewPage({ controls: c, params }: PageProps) {
  const split = splitOf(params);
  const { bot, bucket, tz } = c;
  const rangeKey = `${c.range}|${c.from}|${c.to}|${c.tz}`;
  // The range is computed once per control change (not per render): "now" must not drift
  // between panels, or their queries (and the tests reading them) would disagree.
  const range = useMemo(() => timeRange(c), [rangeKey]);
  const filterKey = `${c.version}|${c.channels}|${c.languages}|${bucket}`;
  const q = useMemo(() => {
    const total = botQuery(c, range, false);
    return {
      total,
      previous: botQuery(c, previousRange(range), false),
      bucketed: botQuery(c, range, true),
    };
  }, [range, filterKey]);
  const conversationsQuery = useMemo(() => ({ ...q.bucketed, group_by: GROUP_BY[split] }), [q, split]);

  // Read once here: the charts show them and the totals add them up (not asked twice).
  const conversationsPath = botPath(bot, 'conversations');
  const messagesPath = botPath(bot, 'messages');
  const conversations = useSeries(conversationsPath, conversationsQuery);
  const messages = useSeries(messagesPath, q.bucketed);

  const timeOption = useCallback(
    (kind: 'line' | 'stacked-bar') => (data: SeriesData) => seriesOption(data, { kind, bucket, tz }),
    [bucket, tz],
  );
  const lineOption = useMemo(() => timeOption('line'), [timeOption]);
  const barOption = useMemo(() => timeOption('stacked-bar'), [timeOption]);

  return (
    <div class="grid overview">
      <KpiPanel bot={bot} query={q.total} previous={q.previous} conversations={conversations} messages={messages} />
      <SeriesView
        loaded={conversations}
        id="conversations"
        title="Conversations over time"
        path={conversationsPath}
        query={conversationsQuery}
        toOption={split === 'none' ? lineOption : barOption}
        actions={<SplitSelect split={split} />}
        wide
      />
      <SeriesView
        loaded={messages}
        id="messages"
        title="User messages"
        path={messagesPath}
        query={q.bucketed}
        toOption={barOption}
      />
      <SeriesPanel id="users" title="Users" path={botPath(bot, 'users')} query={q.bucketed} toOption={lineOption} />
      <SeriesPanel
        id="activity"
        title="Activity by weekday and hour (distinct users)"
        path={botPath(bot, 'users/activity')}
        query={q.total}
        toOption={heatmapOption}
        height={300}
        wide
      />
      {INSIGHTS.map((i) => (
        <SeriesPanel
          key={i.stat}
          id={`insights-${i.stat}`}
          title={i.title}
          path={botPath(bot, 'conversations/insights')}
          query={{ ...q.total, stat: i.stat }}
          toOption={i.toOption}
        />
      ))}
    </div>
  );
}

import { useMemo } from 'preact/hooks';
import { botQuery, timeRange } from '../lib/controls.ts';
import type { PageProps } from '../lib/session.ts';
import type { Loaded } from '../lib/use-api.ts';
import { cursorOf, RankingPanel } from './intents-ranking.tsx';
import { NotUnderstoodPanel, TrendPanel } from './intents-trend.tsx';
import { botPath, useSeries } from './overview-series.tsx';
import './overview.css';
import './intents.css';

// Intents: the ranking (paged with the API's cursors), the top intents' trends and the
// not-understood share. Three requests, all started together: the ranking, the intent
// insights and the messages per bucket (which also gives the ranking's share denominator).

export default function IntentsPage({ controls: c, params }: PageProps) {
  const rangeKey = `${c.range}|${c.from}|${c.to}|${c.tz}`;
  const range = useMemo(() => timeRange(c), [rangeKey]);
  const filterKey = `${c.version}|${c.channels}|${c.languages}|${c.bucket}`;
  const q = useMemo(
    () => ({ total: botQuery(c, range, false), bucketed: botQuery(c, range, true) }),
    [range, filterKey],
  );
  const cursor = cursorOf(params);
  const selected = params.get('intent') || undefined;
  const messagesPath = botPath(c.bot, 'messages');
  const messages = useSeries(messagesPath, q.bucketed);
  const insights = useSeries(botPath(c.bot, 'intents/insights'), q.bucketed);
  // Every understood message has an intent: their sum is the ranking's 100 %.
  const understood: Loaded<number> =
    messages.state === 'ready'
      ? {
          state: 'ready',
          data: messages.data.series[messages.data.series_labels.indexOf('understood')]?.sum ?? 0,
        }
      : messages;
  return (
    <div class="grid intents">
      <RankingPanel bot={c.bot} base={q.total} cursor={cursor} understood={understood} selected={selected} />
      <TrendPanel bot={c.bot} query={q.bucketed} loaded={insights} bucket={c.bucket} tz={c.tz} selected={selected} />
      <NotUnderstoodPanel bot={c.bot} query={q.bucketed} loaded={messages} bucket={c.bucket} tz={c.tz} />
    </div>
  );
}

import { useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { type Query, queryString } from '../lib/api.ts';
import type { SeriesData } from '../lib/types.ts';
import { type Loaded, useApi } from '../lib/use-api.ts';
import { kpiRows, loadSeries, loadSteps, type Totals, totalsOf } from './overview-totals.ts';

const fmt = new Intl.NumberFormat('en-US');
const pretty = (v: string): string => (/^\d+$/.test(v) ? fmt.format(Number(v)) : v);

/** Waits a macrotask: lets the charts' requests (issued in this render's effects) go first. */
const afterCharts = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Totals for the range beside the previous range of equal length. The range's
 * conversations and messages are the charts' own answers (passed in: not asked twice);
 * the six other requests start together, right after the charts' requests, because the
 * embedded engine answers queries one after another in arrival order.
 */
export function KpiPanel(props: {
  bot: string;
  query: Query;
  previous: Query;
  conversations: Loaded<SeriesData>;
  messages: Loaded<SeriesData>;
}) {
  const { bot, query, previous } = props;
  const key = `${bot}|${queryString(query)}|${queryString(previous)}`;
  const own = useApi(key, async (signal) => {
    await afterCharts();
    const [users, steps, prevConversations, prevUsers, prevMessages, prevSteps] = await Promise.all([
      loadSeries(bot, 'users', query, signal),
      loadSteps(bot, query, signal),
      loadSeries(bot, 'conversations', previous, signal),
      loadSeries(bot, 'users', previous, signal),
      loadSeries(bot, 'messages', previous, signal),
      loadSteps(bot, previous, signal),
    ]);
    return {
      users,
      steps,
      prev: totalsOf({ conversations: prevConversations, users: prevUsers, messages: prevMessages, steps: prevSteps }),
    };
  });
  const loaded = useMemo((): Loaded<{ cur: Totals; prev: Totals }> => {
    const { conversations: c, messages: m } = props;
    if (c.state !== 'ready') return c;
    if (m.state !== 'ready') return m;
    if (own.state !== 'ready') return own;
    const { users, steps, prev } = own.data;
    const cur = totalsOf({ conversations: c.data, messages: m.data, users, steps });
    return { state: 'ready', data: { cur, prev } };
  }, [props.conversations, props.messages, own]);
  const data = loaded.state === 'ready' ? loaded.data : null;
  const rows = useMemo(() => (data ? kpiRows(data.cur, data.prev) : []), [data]);
  const table = useMemo(
    () => ({
      columns: ['metric', 'value', 'previous', 'change'],
      rows: rows.map((r) => [r.metric, r.value, r.previous, r.change]),
    }),
    [rows],
  );
  const noHandover = data !== null && data.cur.handovers === null && data.prev.handovers === null;
  return (
    <div
      class="query-slot"
      data-query-for="kpis"
      data-query={queryString(query).slice(1)}
      data-query-previous={queryString(previous).slice(1)}
    >
      <Panel
        id="kpis"
        title="Totals for the range"
        loaded={loaded}
        empty={data !== null && data.cur.conversations + data.cur.messages + data.prev.conversations === 0}
        table={table}
        csv="table"
        wide
      >
        <ul class="kpis overview-kpis">
          {rows.map((r) => (
            <li class="kpi" key={r.id} data-kpi={r.id}>
              <span class="kpi-label">{r.metric}</span>
              <span class="value" data-value={r.value}>
                {pretty(r.value)}
              </span>
              <span class={`delta ${r.trend}`}>
                {r.change} <span class="muted">vs {pretty(r.previous)} before</span>
              </span>
            </li>
          ))}
        </ul>
        <p class="muted overview-note">
          Change against the range of equal length just before this one (from {String(previous.start_time)}); the
          understood rate's change is in percentage points (pp).{' '}
          {noHandover
            ? 'Human handovers are not shown: this bot has no step of type "handover" in this range or the previous one (handovers are counted as conversations that reached such a step).'
            : 'Human handovers = conversations that reached a step of type "handover".'}
        </p>
      </Panel>
    </div>
  );
}

import { useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { type Query, queryString } from '../lib/api.ts';
import { useApi } from '../lib/use-api.ts';
import { kpiRows, loadTotals, type Totals } from './overview-totals.ts';

const fmt = new Intl.NumberFormat('en-US');
const pretty = (v: string): string => (/^\d+$/.test(v) ? fmt.format(Number(v)) : v);

/**
 * Totals for the range beside the previous range of equal length. Both ranges' eight
 * requests start together (one Promise.all), never one after the other.
 */
export function KpiPanel({ bot, query, previous }: { bot: string; query: Query; previous: Query }) {
  const key = `${bot}|${queryString(query)}|${queryString(previous)}`;
  const loaded = useApi(key, (signal) =>
    Promise.all([loadTotals(bot, query, signal), loadTotals(bot, previous, signal)]).then(
      ([cur, prev]) => ({ cur, prev }) as { cur: Totals; prev: Totals },
    ),
  );
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

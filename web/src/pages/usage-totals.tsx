import { Panel } from '../components/panel.tsx';
import type { SeriesResponse } from '../lib/types.ts';
import type { Loaded } from '../lib/use-api.ts';

// The range's totals, each read from the same answers the panels below show.

function sumAll(r: SeriesResponse): number {
  return r.data.series.reduce((n, s) => n + s.sum, 0);
}

function sumOf(r: SeriesResponse, label: string): number {
  const i = r.data.series_labels.indexOf(label);
  return i < 0 ? 0 : (r.data.series[i]?.sum ?? 0);
}

/** Answered share of the knowledge-base queries, one decimal; null when there were none. */
export function answeredPercent(kb: SeriesResponse): number | null {
  const answered = sumOf(kb, 'answered');
  const total = answered + sumOf(kb, 'unanswered');
  return total === 0 ? null : Math.round((answered / total) * 1000) / 10;
}

export function TotalsPanel(props: {
  billable: Loaded<SeriesResponse>;
  voice: Loaded<SeriesResponse>;
  /** null when the knowledge base cannot be read for this range (one day). */
  kb: Loaded<SeriesResponse> | null;
}) {
  const { billable, voice, kb } = props;
  const parts = [billable, voice, ...(kb ? [kb] : [])];
  const failed = parts.find((p) => p.state === 'error');
  const loaded: Loaded<unknown> =
    failed ?? (parts.every((p) => p.state === 'ready') ? { state: 'ready', data: null } : { state: 'loading' });
  const ready = loaded.state === 'ready';
  const pct = kb?.state === 'ready' ? answeredPercent(kb.data) : null;
  const values: [string, string, string | number][] = ready
    ? [
        ['billable', 'Billable conversations', billable.state === 'ready' ? sumAll(billable.data) : 0],
        ['voice', 'Voice minutes', voice.state === 'ready' ? sumAll(voice.data) : 0],
        [
          'kb-answered',
          'Knowledge base answered',
          kb === null ? 'needs a range over one day' : pct === null ? 'no queries' : `${pct}%`,
        ],
      ]
    : [];
  return (
    <Panel
      id="usage-totals"
      title="Totals for the range"
      wide
      loaded={loaded}
      table={{ columns: ['metric', 'value'], rows: values.map(([, label, v]) => [label, v]) }}
      csv="table"
    >
      <div class="kpis">
        {values.map(([key, label, v]) => (
          <div class="kpi" key={key} data-kpi={key}>
            <div class="muted">{label}</div>
            <div class="value">{typeof v === 'number' ? v.toLocaleString('en-GB') : v}</div>
          </div>
        ))}
      </div>
    </Panel>
  );
}

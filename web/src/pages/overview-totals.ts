import { api, type Query } from '../lib/api.ts';
import type { SeriesData, SeriesResponse } from '../lib/types.ts';
import { botPath } from './overview-series.tsx';

// The overview's totals for a range and the previous range of equal length, from the
// operations without a bucket (one bucket = the whole range): users are distinct over
// the whole range, which a sum of per-bucket totals would overcount.

export interface Totals {
  conversations: number;
  users: number;
  messages: number;
  understood: number;
  notUnderstood: number;
  /** Conversations that reached a step of type `handover`; null when the bot has no such step. */
  handovers: number | null;
}

export interface Step {
  id: string;
  type: string;
  message_count: number;
  conversation_count: number;
  drop_off_count: number;
}

const sumOf = (d: SeriesData, label: string): number => d.series[d.series_labels.indexOf(label)]?.sum ?? 0;
const sumAll = (d: SeriesData): number => d.series.reduce((n, s) => n + s.sum, 0);

/** The series answers a range's totals are computed from. */
export interface TotalsSource {
  conversations: SeriesData;
  users: SeriesData;
  messages: SeriesData;
  steps: Step[];
}

export function totalsOf(src: TotalsSource): Totals {
  // Detection is by step type: a bot with no `handover` step has no handover total at all.
  const handover = src.steps.filter((s) => s.type === 'handover');
  return {
    // Conversations and messages add up over buckets and groups (each conversation has one
    // start bucket, one channel and one language): a bucketed or grouped answer's sum is the total.
    conversations: sumAll(src.conversations),
    users: sumOf(src.users, 'total'),
    messages: sumAll(src.messages),
    understood: sumOf(src.messages, 'understood'),
    notUnderstood: sumOf(src.messages, 'not_understood'),
    handovers: handover.length ? handover.reduce((n, s) => n + s.conversation_count, 0) : null,
  };
}

export const loadSeries = (bot: string, op: string, query: Query, signal: AbortSignal): Promise<SeriesData> =>
  api.get<SeriesResponse>(botPath(bot, op), query, signal).then((r) => r.data);

export const loadSteps = (bot: string, query: Query, signal: AbortSignal): Promise<Step[]> =>
  api.get<{ steps: Step[] }>(botPath(bot, 'steps'), query, signal).then((r) => r.steps);

/** Understood share of the text messages, in %; null when there were none. */
export function understoodRate(t: Totals): number | null {
  const text = t.understood + t.notUnderstood;
  return text === 0 ? null : (t.understood / text) * 100;
}

const MINUS = '\u2212';

/** Relative change "+12.3 %" / "−4.0 %"; "new" when the previous range had none. */
export function relativeChange(value: number, previous: number): string {
  if (previous === 0) return value === 0 ? '0.0 %' : 'new';
  const pct = ((value - previous) / previous) * 100;
  return `${pct < 0 ? MINUS : '+'}${Math.abs(pct).toFixed(1)} %`;
}

/** A rate's change in percentage points ("+1.5 pp"): a relative change of a rate misleads. */
export function pointChange(value: number | null, previous: number | null): string {
  if (value === null || previous === null) return value === null ? 'n/a' : 'new';
  const d = value - previous;
  return `${d < 0 ? MINUS : '+'}${Math.abs(d).toFixed(1)} pp`;
}

export const formatRate = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(1)} %`);

export interface KpiRow {
  id: string;
  metric: string;
  value: string;
  previous: string;
  change: string;
  trend: 'up' | 'down' | 'flat';
}

function trendOf(value: number | null, previous: number | null): KpiRow['trend'] {
  if (value === null || previous === null || value === previous) return 'flat';
  return value > previous ? 'up' : 'down';
}

function count(id: string, metric: string, value: number, previous: number): KpiRow {
  return {
    id,
    metric,
    value: String(value),
    previous: String(previous),
    change: relativeChange(value, previous),
    trend: trendOf(value, previous),
  };
}

/** The rows of the totals table (and its tiles): what the page shows and the CSV holds. */
export function kpiRows(cur: Totals, prev: Totals): KpiRow[] {
  const rate = understoodRate(cur);
  const prevRate = understoodRate(prev);
  const rows = [
    count('conversations', 'Conversations', cur.conversations, prev.conversations),
    count('users', 'Users', cur.users, prev.users),
    count('messages', 'User messages', cur.messages, prev.messages),
    {
      id: 'understood-rate',
      metric: 'Understood rate',
      value: formatRate(rate),
      previous: formatRate(prevRate),
      change: pointChange(rate, prevRate),
      trend: trendOf(rate, prevRate),
    },
  ];
  if (cur.handovers !== null || prev.handovers !== null)
    rows.push(count('handovers', 'Human handovers', cur.handovers ?? 0, prev.handovers ?? 0));
  return rows;
}

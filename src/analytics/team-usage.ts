/**
 * Team usage (CONTRACT §2, §4, §7): billable conversations, voice minutes and
 * knowledge-base usage of all the team's bots, both versions. These are invoiced
 * numbers: every count comes straight from one exact SQL aggregate, grouped labels are
 * assembled here so series always add up to the ungrouped total.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { fillBuckets, fixedSeries, rankedSeries, type SeriesData } from './series.ts';
import type { Filters } from './sql.ts';
import type { TeamGroupField } from './team-group-by.ts';
import { type BuiltQuery, knowledgeBaseSql, teamConversationsSql, voiceMinutesSql } from './team-usage-sql.ts';
import type { Bucket, TimeRange } from './time-range.ts';

export const TEAM_CONVERSATION_BUCKETS: readonly Bucket[] = ['1d', '1w', '1m'];
export const VOICE_BUCKETS: readonly Bucket[] = ['1h', '1d', '1w'];
export const KNOWLEDGE_BASE_BUCKETS: readonly Bucket[] = ['1d', '1w', '1m'];

type Row = Record<string, string | number>;

async function rows(reader: AnalyticsReader, q: BuiltQuery, signal: AbortSignal | undefined): Promise<Row[]> {
  return (await reader.rows({ sql: q.query, params: q.params, signal })) as Row[];
}

const num = (v: string | number | undefined): number => Number(v ?? 0);

/** GET /v1/teams/{team_id}/conversations */
export async function teamConversationsUsage(
  reader: AnalyticsReader,
  team: string,
  range: TimeRange,
  fields: readonly TeamGroupField[],
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const result = await rows(reader, teamConversationsSql(team, range, fields), signal);
  if (fields.length === 0) {
    const values = fillBuckets(
      range.bucketStarts,
      result.map((r) => ({ bucketMs: num(r.bucket_ms), value: num(r.n) })),
    );
    return fixedSeries(['conversations'], [values], range.labels);
  }
  // Labels are joined after the query: two value tuples that join to the same text
  // (a value holding '|') are one series, so the series still sum to the total. Its
  // `labels` are then those of the smallest tuple (field by field, code-point order),
  // a choice that does not depend on row order.
  const byLabel = new Map<string, { bucketMs: number; value: number }[]>();
  const tuples = new Map<string, string[]>();
  for (const r of result) {
    const values = fields.map((_, i) => String(r[`g${i}`] ?? ''));
    const label = values.join('|');
    let list = byLabel.get(label);
    if (!list) {
      list = [];
      byLabel.set(label, list);
    }
    list.push({ bucketMs: num(r.bucket_ms), value: num(r.n) });
    const seen = tuples.get(label);
    if (!seen || compareTuples(values, seen) < 0) tuples.set(label, values);
  }
  const series = new Map<string, number[]>();
  for (const [label, list] of byLabel) series.set(label, fillBuckets(range.bucketStarts, list));
  return rankedSeries(series, range.labels, (label) =>
    Object.fromEntries(fields.map((f, i) => [f, tuples.get(label)?.[i] ?? ''])),
  );
}

/** Code-point (UTF-8 byte) order of two value tuples, field by field. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = Buffer.compare(Buffer.from(a[i] ?? ''), Buffer.from(b[i] ?? ''));
    if (c !== 0) return c;
  }
  return 0;
}

/** GET /v1/teams/{team_id}/voice_minutes */
export async function voiceMinutes(
  reader: AnalyticsReader,
  team: string,
  range: TimeRange,
  languages: readonly string[],
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const result = await rows(reader, voiceMinutesSql(team, range, languages), signal);
  const values = fillBuckets(
    range.bucketStarts,
    result.map((r) => ({ bucketMs: num(r.bucket_ms), value: num(r.n) })),
  );
  return fixedSeries(['voice_minutes'], [values], range.labels);
}

/** GET /v1beta1/teams/{team_id}/knowledge_base */
export async function knowledgeBaseUsage(
  reader: AnalyticsReader,
  team: string,
  range: TimeRange,
  filters: Filters,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const result = await rows(reader, knowledgeBaseSql(team, range, filters), signal);
  const pick = (col: string) =>
    fillBuckets(
      range.bucketStarts,
      result.map((r) => ({ bucketMs: num(r.bucket_ms), value: num(r[col]) })),
    );
  return fixedSeries(['answered', 'unanswered'], [pick('n_answered'), pick('n_unanswered')], range.labels);
}

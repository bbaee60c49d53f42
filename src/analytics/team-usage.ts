/**
 * Team usage (CONTRACT §2, §4, §7): billable conversations, voice minutes and
 * knowledge-base usage of all the team's bots, both versions. These are invoiced
 * numbers: every count comes straight from one exact SQL aggregate, grouped labels are
 * assembled here so series always add up to the ungrouped total.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { rankedPerValue, readSeries, type SeriesRow, seriesPerMeasure } from './measures.ts';
import type { SeriesData } from './series.ts';
import type { Filters } from './sql.ts';
import type { TeamGroupField } from './team-group-by.ts';
import { knowledgeBaseRead, teamConversationsRead, voiceMinutesRead } from './team-usage-sql.ts';
import type { Bucket, TimeRange } from './time-range.ts';

export const TEAM_CONVERSATION_BUCKETS: readonly Bucket[] = ['1d', '1w', '1m'];
export const VOICE_BUCKETS: readonly Bucket[] = ['1h', '1d', '1w'];
export const KNOWLEDGE_BASE_BUCKETS: readonly Bucket[] = ['1d', '1w', '1m'];

/** GET /v1/teams/{team_id}/conversations */
export async function teamConversationsUsage(
  reader: AnalyticsReader,
  team: string,
  range: TimeRange,
  fields: readonly TeamGroupField[],
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const read = teamConversationsRead(team, range, fields);
  const result = await readSeries(reader, read, signal);
  if (fields.length === 0) return seriesPerMeasure(result, range, read.measures, ['conversations']);
  // Labels are joined after the query: two value tuples that join to the same text
  // (a value holding '|') are one series, so the series still sum to the total. Its
  // `labels` are then those of the smallest tuple (field by field, code-point order),
  // a choice that does not depend on row order.
  const tuples = new Map<string, string[]>();
  const labelOf = (r: SeriesRow<'conversations', TeamGroupField>): string => {
    const values = fields.map((f) => r.dims[f]);
    const label = values.join('|');
    const seen = tuples.get(label);
    if (!seen || compareTuples(values, seen) < 0) tuples.set(label, values);
    return label;
  };
  return rankedPerValue(result, range, 'conversations', labelOf, (label) =>
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
  const read = voiceMinutesRead(team, range, languages);
  return seriesPerMeasure(await readSeries(reader, read, signal), range, read.measures, ['voice_minutes']);
}

/** GET /v1beta1/teams/{team_id}/knowledge_base */
export async function knowledgeBaseUsage(
  reader: AnalyticsReader,
  team: string,
  range: TimeRange,
  filters: Filters,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const read = knowledgeBaseRead(team, range, filters);
  return seriesPerMeasure(await readSeries(reader, read, signal), range, read.measures, ['answered', 'unanswered']);
}

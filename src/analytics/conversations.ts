import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { rankedPerValue, readSeries, seriesPerMeasure } from './measures.ts';
import { type BotScope, num, selectRows } from './query.ts';
import { fixedSeries, type SeriesData } from './series.ts';
import { startedConversations } from './sources.ts';

export type ConversationGroup = 'channel_type' | 'language';
export type ConversationStat = 'num_messages' | 'duration_seconds' | 'num_conversations';

/**
 * Conversations that STARTED in range (§7), one row each, with their first event's
 * channel/language/user, end and user-message total over the whole conversation (see
 * startedConversationsSql), filtered on the first event.
 */
function startedInRange(s: BotScope): { sql: string; params: Record<string, unknown> } {
  const rows = startedConversations.rows(s);
  return { sql: `SELECT * FROM ${rows.from} WHERE ${rows.where}`, params: rows.params };
}

/** Analytics_GetConversations: conversations started per bucket, optionally one series per group value. */
export async function conversationsSeries(
  reader: AnalyticsReader,
  s: BotScope,
  groupBy: ConversationGroup | undefined,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const read = { source: startedConversations, scope: s, range: s.range, measures: ['conversations'] as const };
  if (groupBy === undefined) {
    return seriesPerMeasure(await readSeries(reader, read, signal), s.range, read.measures, ['conversations']);
  }
  const rows = await readSeries(reader, { ...read, dimensions: [groupBy] }, signal);
  return rankedPerValue(
    rows,
    s.range,
    'conversations',
    (r) => r.dims[groupBy],
    (g) => ({ [groupBy]: g }),
  );
}

const NUM_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10+'];
const CONV_LABELS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+'];
const DURATION_LABELS = ['0-10', '10-30', '30-60', '60-120', '120-300', '300-600', '600-1800', '1800+'];
// Lower bounds (ms) of the duration bins; a bin is [lower, next lower), so exactly 10 s is `10-30`.
const DURATION_LOWER_MS = [0, 10, 30, 60, 120, 300, 600, 1800].map((s) => s * 1000);

/** Analytics_GetConversationsInsights: one distribution series labelled with the stat. */
export async function conversationsInsights(
  reader: AnalyticsReader,
  s: BotScope,
  stat: ConversationStat,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  let labels: string[];
  let query: string;
  let params: Record<string, unknown>;
  if (stat === 'num_messages') {
    // User messages after end_time still belong to a conversation started in range.
    const inner = startedInRange(s);
    labels = NUM_LABELS;
    query = `SELECT least(um, 10) AS bin, count() AS n FROM (${inner.sql}) GROUP BY bin`;
    params = inner.params;
  } else if (stat === 'duration_seconds') {
    const inner = startedInRange(s);
    labels = DURATION_LABELS;
    query = `SELECT arrayCount(x -> x <= toUnixTimestamp64Milli(e) - toUnixTimestamp64Milli(s), {lower:Array(Int64)}) - 1 AS bin,
      count() AS n FROM (${inner.sql}) GROUP BY bin`;
    params = { ...inner.params, lower: DURATION_LOWER_MS };
  } else {
    // The user of a conversation is its first event's user (a supplied conversation_id
    // may span users).
    const inner = startedInRange(s);
    labels = CONV_LABELS;
    query = `
      SELECT least(c, 10) - 1 AS bin, count() AS n FROM (
        SELECT first_user, count() AS c FROM (${inner.sql}) GROUP BY first_user
      ) GROUP BY bin`;
    params = inner.params;
  }
  const rows = await selectRows(reader, query, params, { bin: num, n: num }, signal);
  const values = labels.map(() => 0);
  for (const r of rows) {
    if (r.bin >= 0 && r.bin < values.length) values[r.bin] = (values[r.bin] ?? 0) + r.n;
  }
  return fixedSeries([stat], [values], labels);
}

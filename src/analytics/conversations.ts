import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { FIRST_EVENT_FILTER_COLS, startedConversationsSql } from './conversation-facts.ts';
import { BOT_KEY, type BotScope, queryRows, scopeParams } from './query.ts';
import { fillBuckets, fixedSeries, rankedSeries, type SeriesData } from './series.ts';
import { bucketStartSql, filterSql } from './sql.ts';

export type ConversationGroup = 'channel_type' | 'language';
export type ConversationStat = 'num_messages' | 'duration_seconds' | 'num_conversations';

/**
 * Conversations that STARTED in range (§7), one row each, with their first event's
 * channel/language/user, end and user-message total over the whole conversation (see
 * startedConversationsSql), filtered on the first event.
 */
function startedInRange(s: BotScope): { sql: string; params: Record<string, unknown> } {
  const f = filterSql(s.filters, FIRST_EVENT_FILTER_COLS);
  const sql = startedConversationsSql({ keyWhere: BOT_KEY, where: f.sql });
  return { sql, params: { ...scopeParams(s), ...f.params } };
}

/** Analytics_GetConversations: conversations started per bucket, optionally one series per group value. */
export async function conversationsSeries(
  reader: AnalyticsReader,
  s: BotScope,
  groupBy: ConversationGroup | undefined,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const inner = startedInRange(s);
  const group = groupBy === 'channel_type' ? 'first_channel' : groupBy === 'language' ? 'first_language' : "''";
  const rows = await queryRows<{ b: number; g: string; n: number }>(
    reader,
    `SELECT ${bucketStartSql(s.range, 's')} AS b, ${group} AS g, count() AS n FROM (${inner.sql}) GROUP BY b, g`,
    inner.params,
    signal,
  );
  const starts = s.range.bucketStarts;
  if (groupBy === undefined) {
    const values = fillBuckets(
      starts,
      rows.map((r) => ({ bucketMs: Number(r.b), value: Number(r.n) })),
    );
    return fixedSeries(['conversations'], [values], s.range.labels);
  }
  const byGroup = new Map<string, { bucketMs: number; value: number }[]>();
  for (const r of rows) {
    const list = byGroup.get(r.g) ?? [];
    list.push({ bucketMs: Number(r.b), value: Number(r.n) });
    byGroup.set(r.g, list);
  }
  const filled = new Map<string, number[]>();
  for (const [g, list] of byGroup) filled.set(g, fillBuckets(starts, list));
  return rankedSeries(filled, s.range.labels, (g) => ({ [groupBy]: g }));
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
  const rows = await queryRows<{ bin: number; n: number }>(reader, query, params, signal);
  const values = labels.map(() => 0);
  for (const r of rows) {
    const i = Number(r.bin);
    if (i >= 0 && i < values.length) values[i] = (values[i] ?? 0) + Number(r.n);
  }
  return fixedSeries([stat], [values], labels);
}

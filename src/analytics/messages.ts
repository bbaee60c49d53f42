import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { BOT_KEY, type BotScope, eventFilters, queryRows, scopeParams } from './query.ts';
import { userMessageRows } from './rollup-source.ts';
import { fillBuckets, fixedSeries, type SeriesData } from './series.ts';
import { bucketStartSql, IN_RANGE } from './sql.ts';

export const MESSAGE_LABELS = ['understood', 'not_understood', 'button_click', 'other'] as const;

/**
 * Category index (0..3 in MESSAGE_LABELS order) of a user message (§2): buttons and
 * media by kind, text by whether an intent was recognised.
 */
export const MESSAGE_CATEGORY_SQL = "multiIf(kind = 'button', 2, kind = 'media', 3, has_intent = 1, 0, 1)";

/** User messages in range by their own timestamp and fields (§7 event metric). */
export function userMessagesWhere(s: BotScope): { sql: string; params: Record<string, unknown> } {
  const f = eventFilters(s);
  return {
    sql: `${BOT_KEY} AND type = 'message' AND direction = 'user' AND ${IN_RANGE('ts')}${f.sql}`,
    params: { ...scopeParams(s), ...f.params },
  };
}

/** Analytics_GetMessages: four fixed series per bucket. */
export async function messagesSeries(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const src = userMessageRows(s);
  const rows = await queryRows<{ b: number; c: number; n: number }>(
    reader,
    `SELECT ${bucketStartSql(s.range, 't')} AS b, category AS c, sum(n) AS n
     FROM ${src.from} WHERE ${src.where} GROUP BY b, c`,
    src.params,
    signal,
  );
  const values = MESSAGE_LABELS.map((_, i) =>
    fillBuckets(
      s.range.bucketStarts,
      rows.filter((r) => Number(r.c) === i).map((r) => ({ bucketMs: Number(r.b), value: Number(r.n) })),
    ),
  );
  return fixedSeries(MESSAGE_LABELS, values, s.range.labels);
}

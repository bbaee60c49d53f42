/**
 * Knowledge base per bot (CONTRACT-LIVE-API §5): answered/unanswered kb_query events of
 * one bot and version, and the ranking of their tags. Event metrics (CONTRACT §7): events
 * whose own timestamp is in range, filtered on their own channel_type and language.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { BOT_KEY, type BotScope, eventFilters, queryRows, scopeParams } from './query.ts';
import { fillBuckets, fixedSeries, SERIE_MAX, type SeriesData } from './series.ts';
import { bucketStartSql, IN_RANGE } from './sql.ts';

export const KB_LABELS = ['answered', 'unanswered'] as const;

/** At most this many tags in a tags insights answer. */
export const MAX_KB_TAGS = 100;

export interface KnowledgeBaseTag {
  tag: string;
  count: number;
  rank: number;
}

/** kb_query events of the bot+version in range, with the event filters. */
function kbQueriesWhere(s: BotScope): { sql: string; params: Record<string, unknown> } {
  const f = eventFilters(s);
  return {
    sql: `${BOT_KEY} AND type = 'kb_query' AND ${IN_RANGE('ts')}${f.sql}`,
    params: { ...scopeParams(s), ...f.params },
  };
}

/**
 * The SQL of both endpoints, as pure builders so the benchmark runs the same text.
 * (Aliases differ from the `answered` column: ClickHouse would substitute an alias of
 * that name into countIf.)
 */
export function kbUsageSql(s: BotScope): { query: string; params: Record<string, unknown> } {
  const where = kbQueriesWhere(s);
  return {
    query: `SELECT ${bucketStartSql(s.range, 'ts')} AS b,
    toUInt64(countIf(answered = 1)) AS n_answered,
    toUInt64(countIf(answered = 0)) AS n_unanswered
FROM events WHERE ${where.sql} GROUP BY b`,
    params: where.params,
  };
}

/**
 * Per tag, the queries carrying it: arrayDistinct first, so a tag repeated within one
 * query counts once. ORDER BY on a String compares bytes, which for UTF-8 is code-point
 * order (the contract's "then tag"). LIMIT keeps the answer at 100 tags.
 */
export function kbTagsSql(s: BotScope): { query: string; params: Record<string, unknown> } {
  const where = kbQueriesWhere(s);
  return {
    query: `SELECT tag, toUInt64(count()) AS n
FROM events ARRAY JOIN arrayDistinct(tags) AS tag
WHERE ${where.sql}
GROUP BY tag ORDER BY n DESC, tag ASC LIMIT {kb_limit:UInt32}`,
    params: { ...where.params, kb_limit: MAX_KB_TAGS },
  };
}

/** Analytics_GetKnowledgeBaseUsage: two fixed series `answered`, `unanswered` per bucket. */
export async function knowledgeBaseUsage(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const q = kbUsageSql(s);
  const rows = await queryRows<{ b: number | string; n_answered: number | string; n_unanswered: number | string }>(
    reader,
    q.query,
    q.params,
    signal,
  );
  const pick = (col: 'n_answered' | 'n_unanswered') =>
    fillBuckets(
      s.range.bucketStarts,
      rows.map((r) => ({ bucketMs: Number(r.b), value: Number(r[col]) })),
    );
  return fixedSeries(KB_LABELS, [pick('n_answered'), pick('n_unanswered')], s.range.labels);
}

/**
 * Analytics_GetKnowledgeBaseTagsInsights: tags by count desc then tag, ranked 1…N.
 * `count` is an int32 in the document, so it saturates like a Serie value.
 */
export async function knowledgeBaseTags(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<KnowledgeBaseTag[]> {
  const q = kbTagsSql(s);
  const rows = await queryRows<{ tag: string; n: number | string }>(reader, q.query, q.params, signal);
  return rows.map((r, i) => ({ tag: r.tag, count: Math.min(Number(r.n), SERIE_MAX), rank: i + 1 }));
}

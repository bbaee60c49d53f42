/**
 * Knowledge base per bot (CONTRACT-LIVE-API §5): answered/unanswered kb_query events of
 * one bot and version, and the ranking of their tags. Event metrics (CONTRACT §7): events
 * whose own timestamp is in range, filtered on their own channel_type and language.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { readSeries, seriesPerMeasure, seriesSql } from './measures.ts';
import { type BotScope, num, selectRows, str } from './query.ts';
import { SERIE_MAX, type SeriesData } from './series.ts';
import { botKbQueries } from './sources.ts';

export const KB_LABELS = ['answered', 'unanswered'] as const;

/** At most this many tags in a tags insights answer. */
export const MAX_KB_TAGS = 100;

export interface KnowledgeBaseTag {
  tag: string;
  count: number;
  rank: number;
}

const KB_MEASURES = ['answered', 'unanswered'] as const;

/** The usage read, pure so the benchmark runs the same text. */
export function kbUsageSql(s: BotScope): { query: string; params: Record<string, unknown> } {
  return seriesSql({ source: botKbQueries, scope: s, range: s.range, measures: KB_MEASURES });
}

/**
 * Per tag, the queries carrying it: arrayDistinct first, so a tag repeated within one
 * query counts once. ORDER BY on a String compares bytes, which for UTF-8 is code-point
 * order (the contract's "then tag"). LIMIT keeps the answer at 100 tags.
 */
export function kbTagsSql(s: BotScope): { query: string; params: Record<string, unknown> } {
  const rows = botKbQueries.rows(s);
  return {
    query: `SELECT tag, toUInt64(count()) AS n
FROM ${rows.from} ARRAY JOIN arrayDistinct(tags) AS tag
WHERE ${rows.where}
GROUP BY tag ORDER BY n DESC, tag ASC LIMIT {kb_limit:UInt32}`,
    params: { ...rows.params, kb_limit: MAX_KB_TAGS },
  };
}

/** Analytics_GetKnowledgeBaseUsage: two fixed series `answered`, `unanswered` per bucket. */
export async function knowledgeBaseUsage(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const read = { source: botKbQueries, scope: s, range: s.range, measures: KB_MEASURES };
  return seriesPerMeasure(await readSeries(reader, read, signal), s.range, KB_MEASURES, KB_LABELS);
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
  const rows = await selectRows(reader, q.query, q.params, { tag: str, n: num }, signal);
  return rows.map((r, i) => ({ tag: r.tag, count: Math.min(r.n, SERIE_MAX), rank: i + 1 }));
}

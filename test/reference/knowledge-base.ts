/**
 * Knowledge base per bot (CONTRACT-LIVE-API §5), written from the contract alone:
 * Analytics_GetKnowledgeBaseUsage, Analytics_GetKnowledgeBaseTagsInsights, and the v1
 * team path (identical to the v1beta1 one, so the same reference function).
 * Both bot endpoints are event metrics (CONTRACT §7): kb_query events of the bot and
 * version whose own timestamp is in range, filtered on their own channel_type/language.
 */
import type { SeriesBody } from './bot-series.js';
import type { Model } from './model.js';
import { byCountDescThenText } from './order.js';
import { botEvents, filtersOf, type PathParams, type Query, rangeOf, required, timelineOf } from './params.js';
import { fixedSeries, GroupCounter } from './series.js';

export interface KnowledgeBaseTag {
  tag: string;
  count: number;
  rank: number;
}

export interface KnowledgeBaseTagsBody {
  data: KnowledgeBaseTag[];
}

/** §5: "at most 100". */
export const MAX_TAGS = 100;

function kbQueries(model: Model, path: PathParams, q: Query) {
  const events = botEvents(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q));
  return events.filter((e) => e.type === 'kb_query');
}

/**
 * Two series `answered`, `unanswered` (in this order) per bucket; no bucket = one
 * bucket for the whole range. Decision (as the team endpoint): a kb_query without
 * `answered` counts as unanswered (ingest requires it anyway).
 */
export function getKnowledgeBaseUsage(model: Model, path: PathParams, q: Query): SeriesBody {
  const timeline = timelineOf(q);
  const counter = new GroupCounter(timeline);
  for (const e of kbQueries(model, path, q)) counter.add(e.raw.answered === true ? 'answered' : 'unanswered', e.ms);
  const labels = ['answered', 'unanswered'];
  return {
    data: fixedSeries(
      timeline.labels,
      labels,
      labels.map((l) => counter.row(l)),
    ),
  };
}

/**
 * Per tag, the kb queries in range carrying it (a repeat within one query counts
 * once), ordered by count desc then tag in code-point order, ranked 1…N, first 100.
 * `bucket` is not a parameter of this endpoint and is ignored.
 */
export function getKnowledgeBaseTagsInsights(model: Model, path: PathParams, q: Query): KnowledgeBaseTagsBody {
  const counts = new Map<string, number>();
  for (const e of kbQueries(model, path, q)) {
    for (const tag of new Set(e.raw.tags ?? [])) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const ordered = [...counts.entries()].sort(
    byCountDescThenText(
      ([, n]) => n,
      ([tag]) => tag,
    ),
  );
  return { data: ordered.slice(0, MAX_TAGS).map(([tag, count], i) => ({ tag, count, rank: i + 1 })) };
}

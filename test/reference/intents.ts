/**
 * Analytics_GetIntents and Analytics_GetIntentInsights (CONTRACT §4, §7).
 *
 * The service's cursors are opaque, so the reference uses the rank as its
 * cursor (`"3"` = the item of rank 3). A property test maps a real cursor to
 * a rank through the real page it came from (start_cursor ↔ data[0].rank,
 * end_cursor ↔ data[data.length - 1].rank), or compares pages by content
 * against `rankIntents`.
 */
import { messageCategory, type SeriesBody } from './bot-series.js';
import type { Model } from './model.js';
import { byCountDescThenText } from './order.js';
import { botEvents, filtersOf, one, type PathParams, type Query, rangeOf, required, timelineOf } from './params.js';
import { GroupCounter } from './series.js';

export interface IntentInfo {
  intent_id: string;
  count: number;
  rank: number;
}

export interface Pagination {
  start_cursor: string;
  end_cursor: string;
  has_more: boolean;
}

export interface IntentsBody {
  data: IntentInfo[];
  pagination: Pagination;
}

/**
 * The full ranking: understood user messages in range (event time, event
 * filters) counted per intent; count descending, ties by intent_id, ranks
 * 1..N with no equal ranks. `bucket` is ignored.
 */
export function rankIntents(model: Model, path: PathParams, q: Query): IntentInfo[] {
  const counts = new Map<string, number>();
  for (const e of botEvents(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q))) {
    if (messageCategory(e) !== 'understood' || typeof e.raw.intent !== 'string') continue;
    counts.set(e.raw.intent, (counts.get(e.raw.intent) ?? 0) + 1);
  }
  const list = [...counts.entries()].map(([intent_id, count]) => ({ intent_id, count }));
  list.sort(
    byCountDescThenText(
      (x) => x.count,
      (x) => x.intent_id,
    ),
  );
  return list.map((x, i) => ({ ...x, rank: i + 1 }));
}

const DEFAULT_PAGE = 10;
const MAX_PAGE = 100;

function sizeParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  // §7: above 100 is clamped to 100.
  return Math.min(Number.parseInt(v, 10), MAX_PAGE);
}

function cursorParam(q: Query, name: string): number | undefined {
  const v = one(q, name);
  return v === undefined || v === '' ? undefined : Number.parseInt(v, 10);
}

/**
 * Relay pagination over a ranked list with rank cursors.
 *
 * Decisions: backward mode is used when `last` or `before` is given and
 * neither `first` nor `after` is (mixing both directions is not a valid
 * request); otherwise forward mode, `first` defaulting to 10. `has_more`
 * follows the seed's wording: forward = items exist after the page, backward
 * = items exist before the page. An empty page has empty cursors (§7) and
 * still reports `has_more` by the same rule (e.g. `first=0`).
 */
export function pageIntents(ranked: IntentInfo[], q: Query): IntentsBody {
  const first = sizeParam(q, 'first');
  const after = cursorParam(q, 'after');
  const last = sizeParam(q, 'last');
  const before = cursorParam(q, 'before');
  const backward = (last !== undefined || before !== undefined) && first === undefined && after === undefined;

  let data: IntentInfo[];
  let has_more: boolean;
  if (backward) {
    const n = last ?? DEFAULT_PAGE; // §7: `before` without `last` takes 10.
    const pool = before === undefined ? ranked : ranked.filter((x) => x.rank < before);
    data = n <= 0 ? [] : pool.slice(Math.max(0, pool.length - n));
    has_more = pool.length > data.length;
  } else {
    const n = first ?? DEFAULT_PAGE;
    const pool = after === undefined ? ranked : ranked.filter((x) => x.rank > after);
    data = n <= 0 ? [] : pool.slice(0, n);
    has_more = pool.length > data.length;
  }
  const head = data[0];
  const tail = data[data.length - 1];
  return {
    data,
    pagination: {
      start_cursor: head === undefined ? '' : String(head.rank),
      end_cursor: tail === undefined ? '' : String(tail.rank),
      has_more,
    },
  };
}

/** Analytics_GetIntents with the reference's rank cursors (see the file comment). */
export function getIntents(model: Model, path: PathParams, q: Query): IntentsBody {
  return pageIntents(rankIntents(model, path, q), q);
}

/**
 * One series per intent of the top 10 of the range (same ranking as
 * getIntents, so ordered by sum desc then label asc), values per bucket.
 */
export function getIntentInsights(model: Model, path: PathParams, q: Query): SeriesBody {
  const top = new Set(
    rankIntents(model, path, q)
      .slice(0, 10)
      .map((x) => x.intent_id),
  );
  const counter = new GroupCounter(timelineOf(q));
  for (const e of botEvents(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q))) {
    if (messageCategory(e) !== 'understood' || typeof e.raw.intent !== 'string') continue;
    if (top.has(e.raw.intent)) counter.add(e.raw.intent, e.ms);
  }
  return { data: counter.grouped() };
}

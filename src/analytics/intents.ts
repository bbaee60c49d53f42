import { badParam } from '../errors.ts';
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { rankedPerValue, readSeries } from './measures.ts';
import { type BotScope, num, selectRows, str } from './query.ts';
import type { SeriesData } from './series.ts';
import { understoodMessages } from './sources.ts';

export interface IntentInfo {
  intent_id: string;
  count: number;
  rank: number;
}

export interface IntentsPage {
  data: IntentInfo[];
  pagination: { start_cursor: string; end_cursor: string; has_more: boolean };
}

/**
 * The full ranking of intents in range: count desc, ties by intent_id (byte order,
 * which is code-point order for UTF-8), ranks 1..N. A bot has few distinct intents,
 * so the whole ranking is small; pages are cut from it.
 */
export async function rankIntents(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<IntentInfo[]> {
  const src = understoodMessages;
  const rows = src.rows(s);
  const ranked = await selectRows(
    reader,
    `SELECT toString(${src.dimensions.intent}) AS intent, toUInt64(${src.measures.messages}) AS n
     FROM ${rows.from} WHERE ${rows.where}
     GROUP BY intent ORDER BY n DESC, intent ASC`,
    rows.params,
    { intent: str, n: num },
    signal,
  );
  return ranked.map((r, i) => ({ intent_id: r.intent, count: r.n, rank: i + 1 }));
}

// Cursors are opaque to clients: base64url of {"v":1,"rank":N}. Anything else
// (bad base64, bad JSON, other version, non-positive or non-integer rank) is a 400.
export function encodeCursor(rank: number): string {
  return Buffer.from(JSON.stringify({ v: 1, rank })).toString('base64url');
}

export function decodeCursor(name: string, text: string): number {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw badParam(name, 'is not a cursor returned by this API');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badParam(name, 'is not a cursor returned by this API');
  }
  const c = parsed as { v?: unknown; rank?: unknown } | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    Object.keys(c).length !== 2 ||
    c.v !== 1 ||
    typeof c.rank !== 'number' ||
    !Number.isSafeInteger(c.rank) ||
    c.rank < 1 ||
    encodeCursor(c.rank) !== text
  ) {
    throw badParam(name, 'is not a cursor returned by this API');
  }
  return c.rank;
}

export const DEFAULT_PAGE = 10;
export const MAX_PAGE = 100;

export interface PageRequest {
  first: number | undefined;
  after: number | undefined;
  last: number | undefined;
  before: number | undefined;
}

/**
 * Relay page over the ranking. Forward (`first`/`after`, first defaults to 10) unless
 * only `last`/`before` are given; `has_more` = items after the page (forward) or before
 * it (backward), per the seed; an empty page has empty cursors (§7).
 */
export function pageIntents(ranked: IntentInfo[], p: PageRequest): IntentsPage {
  const backward = p.first === undefined && p.after === undefined && (p.last !== undefined || p.before !== undefined);
  let data: IntentInfo[];
  let hasMore: boolean;
  if (backward) {
    const n = Math.min(p.last ?? DEFAULT_PAGE, MAX_PAGE);
    const pool = p.before === undefined ? ranked : ranked.filter((x) => x.rank < (p.before as number));
    data = n <= 0 ? [] : pool.slice(Math.max(0, pool.length - n));
    hasMore = pool.length > data.length;
  } else {
    const n = Math.min(p.first ?? DEFAULT_PAGE, MAX_PAGE);
    const pool = p.after === undefined ? ranked : ranked.filter((x) => x.rank > (p.after as number));
    data = n <= 0 ? [] : pool.slice(0, n);
    hasMore = pool.length > data.length;
  }
  const head = data[0];
  const tail = data[data.length - 1];
  return {
    data,
    pagination: {
      start_cursor: head ? encodeCursor(head.rank) : '',
      end_cursor: tail ? encodeCursor(tail.rank) : '',
      has_more: hasMore,
    },
  };
}

/** Byte order of the UTF-8 texts: the order ClickHouse sorts intent ids in (see rankIntents). */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Analytics_GetIntentInsights: one series per intent of the range's top 10, per bucket.
 * One scan counts every intent per bucket (a bot has few intents, so the rows are few);
 * the top 10 is picked here with the ranking's order (count desc, intent_id in byte
 * order), which halves the engine work of a top-10 subquery over the same events.
 */
export async function intentInsights(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const rows = await readSeries(
    reader,
    { source: understoodMessages, scope: s, range: s.range, measures: ['messages'], dimensions: ['intent'] },
    signal,
  );
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.dims.intent, (totals.get(r.dims.intent) ?? 0) + r.values.messages);
  const top = new Set(
    [...totals.entries()]
      .sort((x, y) => y[1] - x[1] || byteOrder(x[0], y[0]))
      .slice(0, 10)
      .map(([intent]) => intent),
  );
  return rankedPerValue(
    rows.filter((r) => top.has(r.dims.intent)),
    s.range,
    'messages',
    (r) => r.dims.intent,
  );
}

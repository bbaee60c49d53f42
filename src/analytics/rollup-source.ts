/**
 * Where a per-bot read of user messages or active users takes its rows from (issue 12): the
 * 15-minute rollups (src/store/clickhouse/rollups.ts) for the part of the range they answer
 * exactly, raw `events` for the rest, in one query (a UNION ALL both sides of which give the
 * same columns, so sums add and distinct users merge).
 *
 * A 15-minute UTC bucket counts in the local hour/day/week holding its start. That is exact
 * when every instant of the bucket lies in that local bucket: the zone's UTC offset is a
 * multiple of 15 minutes and it changes only at 15-minute UTC instants. In the engine's time
 * zone data (chDB 26.7, every zone of engine-time-zones.txt scanned at 15-minute steps
 * 1970–2040, docs/decisions/issue-12-rollups.md) the last exception is Pacific/Kiritimati
 * (−10:40 until 1979-10-02; Africa/Monrovia −0:44:30 until 1972); so from 1980 on every zone
 * qualifies, Asia/Kolkata (+5:30), Asia/Kathmandu (+5:45) and America/St_Johns (−3:30)
 * included. Before 1980, and in the unaligned minutes at either end of a range, rows come
 * from raw events.
 */
import { MESSAGE_CATEGORY_SQL } from '../store/clickhouse/rollups.ts';
import { BOT_KEY, type BotScope, eventFilters, scopeParams } from './query.ts';
import { IN_RANGE } from './sql.ts';

export const ROLLUP_STEP_MS = 15 * 60_000;

/** From this instant on the rollups answer exactly in every zone (see above). */
export const ROLLUPS_EXACT_FROM_MS = Date.UTC(1980, 0, 1);

/** The part of a range the rollups answer: [fromMs, toMs), 15-minute aligned, non-empty. */
export interface RollupWindow {
  fromMs: number;
  toMs: number;
}

let mode: 'auto' | 'raw' = 'auto';

/**
 * 'raw' answers every read from events, as before the rollups: for tests that compare the two
 * answers and for the benchmark's raw column. Not configuration; the default is 'auto'.
 */
export function setRollupMode(next: 'auto' | 'raw'): void {
  mode = next;
}

/**
 * The window of [startMs, endMs) the rollups answer, or undefined when raw events answer all
 * of it (the range holds no whole 15-minute UTC bucket from 1980 on). The time zone does not
 * matter from 1980 on (see above); it is taken so the rule stays visible where it applies.
 */
export function rollupWindow(range: { startMs: number; endMs: number; tz: string }): RollupWindow | undefined {
  if (mode === 'raw') return undefined;
  const fromMs = Math.max(Math.ceil(range.startMs / ROLLUP_STEP_MS) * ROLLUP_STEP_MS, ROLLUPS_EXACT_FROM_MS);
  const toMs = Math.floor(range.endMs / ROLLUP_STEP_MS) * ROLLUP_STEP_MS;
  return fromMs < toMs ? { fromMs, toMs } : undefined;
}

/** FROM, WHERE and parameters of a read (measures.ts SourceRows). */
export interface RowsSql {
  from: string;
  where: string;
  params: Record<string, unknown>;
}

/** Rollup side: buckets inside the window. */
const IN_WINDOW = 'b >= fromUnixTimestamp64Milli({r_from_ms:Int64}) AND b < fromUnixTimestamp64Milli({r_to_ms:Int64})';
/** Raw side: the range outside the window. */
const OUTSIDE_WINDOW =
  '(ts < fromUnixTimestamp64Milli({r_from_ms:Int64}) OR ts >= fromUnixTimestamp64Milli({r_to_ms:Int64}))';

const USER_MESSAGE = "type = 'message' AND direction = 'user'";

/**
 * The rows of a read: raw only without a window; the rollup only when the window is the whole
 * range (a day-aligned range, the common case: no raw branch to plan); else both, the raw
 * side restricted to the range outside the window.
 */
function combine(
  s: BotScope,
  rollup: (t: string) => string,
  raw: (outside: string) => string,
  params: Record<string, unknown>,
): RowsSql {
  const w = rollupWindow(s.range);
  if (w === undefined) return { from: `(${raw('')})`, where: '1', params };
  const windowParams = { ...params, r_from_ms: w.fromMs, r_to_ms: w.toMs };
  if (w.fromMs === s.range.startMs && w.toMs === s.range.endMs) {
    return { from: `(${rollup('b')})`, where: '1', params: windowParams };
  }
  // UNION ALL needs one type: the rollup's DateTime bucket as the events' DateTime64(3).
  return {
    from: `(${rollup("toDateTime64(b, 3, 'UTC')")}\n     UNION ALL\n     ${raw(` AND ${OUTSIDE_WINDOW}`)})`,
    where: '1',
    params: windowParams,
  };
}

export { MESSAGE_CATEGORY_SQL };

/** Understood text messages (category 0): the only ones that carry an intent (§2). */
export const UNDERSTOOD_SQL = "kind NOT IN ('button', 'media') AND has_intent = 1";

/**
 * The scope's user messages in range, filtered on their own channel and language, as rows
 * (t DateTime64, category UInt8, intent, n UInt64): count them with sum(n), bucket them on t.
 * `understood` keeps category 0 only (text with an intent: the ones intents count).
 */
export function userMessageRows(s: BotScope, opts: { understood?: boolean } = {}): RowsSql {
  const f = eventFilters(s);
  const params = { ...scopeParams(s), ...f.params };
  const raw = (outside: string) =>
    `SELECT ts AS t, toUInt8(${MESSAGE_CATEGORY_SQL}) AS category, intent, toUInt64(1) AS n
     FROM events WHERE ${BOT_KEY} AND ${USER_MESSAGE} AND ${IN_RANGE('ts')}${outside}${f.sql}${
       opts.understood ? ` AND ${UNDERSTOOD_SQL}` : ''
     }`;
  const rollup = (t: string) => `SELECT ${t} AS t, category, intent, messages AS n
     FROM user_messages_15m WHERE ${BOT_KEY} AND ${IN_WINDOW}${f.sql}${opts.understood ? ' AND category = 0' : ''}`;
  return combine(s, rollup, raw, params);
}

/**
 * The scope's active users in range, filtered on the message's channel and language, as rows
 * (t DateTime64, user_id): a user once per 15-minute bucket (rollup) or per message (raw), so
 * count them with uniqExact(user_id) or GROUP BY.
 */
export function activeUserRows(s: BotScope): RowsSql {
  const f = eventFilters(s);
  const params = { ...scopeParams(s), ...f.params };
  const raw = (outside: string) =>
    `SELECT ts AS t, user_id FROM events
     WHERE ${BOT_KEY} AND ${USER_MESSAGE} AND ${IN_RANGE('ts')}${outside}${f.sql}`;
  const rollup = (t: string) => `SELECT ${t} AS t, user_id FROM active_users_15m
     WHERE ${BOT_KEY} AND ${IN_WINDOW}${f.sql}`;
  return combine(s, rollup, raw, params);
}

import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { type BotScope, num, selectRows } from './query.ts';
import { activeUserRows } from './rollup-source.ts';
import { fillBuckets, fixedSeries, type SeriesData } from './series.ts';
import { bucketStartSql } from './sql.ts';

/**
 * Analytics_GetUsers: total / new / returning per bucket. A user is new in a bucket
 * when their first message ever for the bot+version (user_first_seen, over all
 * channels and languages, also before start_time) falls in that bucket's calendar
 * span; without a bucket the span is exactly [start_time, end_time). Active users come from
 * the 15-minute rollup where it answers exactly (rollup-source.ts): it keeps user ids, so the
 * join stays exact under filters.
 */
export async function usersSeries(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const active = activeUserRows(s);
  const firstBucket = s.range.bucket
    ? `${bucketStartSql(s.range, 'f')} = b`
    : 'f >= fromUnixTimestamp64Milli({start_ms:Int64}) AND f < fromUnixTimestamp64Milli({end_ms:Int64})';
  // Only users first seen from the first bucket's calendar start on can be new (and an active
  // user's first message is before end_time), so the first-seen side stays small and events
  // are scanned once.
  const rows = await selectRows(
    reader,
    `SELECT b, count() AS total, countIf(f_known AND ${firstBucket}) AS fresh
     FROM (
       SELECT ${bucketStartSql(s.range, 't')} AS b, user_id FROM ${active.from} WHERE ${active.where} GROUP BY b, user_id
     ) AS active
     LEFT JOIN (
       SELECT user_id, min(first_ts) AS f, 1 AS f_known FROM user_first_seen
       WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
       GROUP BY user_id
       HAVING f >= fromUnixTimestamp64Milli({span_start_ms:Int64}) AND f < fromUnixTimestamp64Milli({end_ms:Int64})
     ) AS first_seen USING (user_id)
     GROUP BY b`,
    { ...active.params, span_start_ms: s.range.bucketStarts[0] ?? s.range.startMs },
    { b: num, total: num, fresh: num },
    signal,
  );
  const starts = s.range.bucketStarts;
  const total = fillBuckets(
    starts,
    rows.map((r) => ({ bucketMs: r.b, value: r.total })),
  );
  const fresh = fillBuckets(
    starts,
    rows.map((r) => ({ bucketMs: r.b, value: r.fresh })),
  );
  const returning = total.map((t, i) => t - (fresh[i] ?? 0));
  return fixedSeries(['total', 'new', 'returning'], [total, fresh, returning], s.range.labels);
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/**
 * Analytics_GetUserActivity: distinct users per local weekday × wall-clock hour over
 * the range (a repeated autumn hour is one slot).
 */
export async function userActivity(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const active = activeUserRows(s);
  const rows = await selectRows(
    reader,
    `SELECT toDayOfWeek(t, 0, {tz:String}) AS d, toHour(t, {tz:String}) AS h, uniqExact(user_id) AS n
     FROM ${active.from} WHERE ${active.where} GROUP BY d, h`,
    active.params,
    { d: num, h: num, n: num },
    signal,
  );
  const values = WEEKDAYS.map(() => HOURS.map(() => 0));
  for (const r of rows) {
    const day = values[r.d - 1];
    if (day !== undefined && r.h >= 0 && r.h < 24) day[r.h] = r.n;
  }
  return fixedSeries(WEEKDAYS, values, HOURS);
}

import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { eventValueSql } from './attribute-filters.ts';
import { selectRows, str } from './query.ts';
import type { BotVersion } from './sql.ts';

/** The window the values are read from: (now − 30 d, now] (CONTRACT-LIVE-API §2). */
export const ATTRIBUTE_VALUES_WINDOW_MS = 30 * 86_400_000;
/** At most this many values are answered. */
export const MAX_ATTRIBUTE_VALUES = 100;

export interface AttributeValue {
  key: string;
  value: string;
}

/**
 * Distinct values of one attribute (or `$` event field) on a bot's tracking events of the
 * last 30 days, most frequent first, then by value (byte order of UTF-8 = code-point
 * order). A value is the text the filters compare (attribute-filters.ts): a number or
 * boolean is its JSON text, so `1` and `"1"` are one value. An absent key and an empty
 * text are "not set" and contribute nothing (they are not a value one can pick).
 */
export async function attributeValues(
  reader: AnalyticsReader,
  args: {
    teamId: string;
    botId: string;
    key: string;
    /** Kept when the value contains it, case-insensitively; '' keeps every value. */
    query: string;
    event?: string | undefined;
    version?: BotVersion | undefined;
    nowMs: number;
  },
  signal: AbortSignal | undefined,
): Promise<AttributeValue[]> {
  const { teamId, botId, key, query, event, version, nowMs } = args;
  const value = eventValueSql(key, 'av_key');
  const rows = await selectRows(
    reader,
    `SELECT v AS value, count() AS n
            FROM (
              SELECT ${value.sql} AS v
              FROM events
              WHERE team_id = {team:String} AND bot_id = {bot:String}
                ${version === undefined ? '' : 'AND version = {version:String}'}
                AND type = 'tracking'
                AND ts > fromUnixTimestamp64Milli({from_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({now_ms:Int64})
                ${event === undefined ? '' : 'AND event_name = {event:String}'}
            )
            WHERE v != '' AND positionCaseInsensitiveUTF8(v, {q:String}) > 0
            GROUP BY v
            ORDER BY n DESC, v ASC
            LIMIT {limit:UInt32}`,
    {
      ...value.params,
      team: teamId,
      bot: botId,
      ...(version === undefined ? {} : { version }),
      ...(event === undefined ? {} : { event }),
      from_ms: nowMs - ATTRIBUTE_VALUES_WINDOW_MS,
      now_ms: nowMs,
      q: query,
      limit: MAX_ATTRIBUTE_VALUES,
    },
    { value: str },
    signal,
  );
  return rows.map((r) => ({ key, value: r.value }));
}

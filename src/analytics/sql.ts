import type { BotVersion } from '../ingest/event.ts';
import type { TimeRange } from './time-range.ts';

/**
 * SQL for the start (epoch ms) of the bucket holding `col`, in the range's time zone.
 * Returns an expression over the server-side parameter {tz:String}; without a bucket
 * every row falls in the single bucket at start_time.
 */
export function bucketStartSql(range: TimeRange, col: string): string {
  switch (range.bucket) {
    case '1h':
      return `toUnixTimestamp(toStartOfHour(${col}, {tz:String})) * 1000`;
    case '1d':
      return `toUnixTimestamp(toStartOfDay(${col}, {tz:String})) * 1000`;
    case '1w':
      return `toUnixTimestamp(toDateTime(toMonday(${col}, {tz:String}), {tz:String})) * 1000`;
    case '1m':
      return `toUnixTimestamp(toDateTime(toStartOfMonth(${col}, {tz:String}), {tz:String})) * 1000`;
    default:
      return '{start_ms:Int64}';
  }
}

/** Query parameters every time-range query uses. */
export function rangeParams(range: TimeRange): Record<string, unknown> {
  return { tz: range.tz, start_ms: range.startMs, end_ms: range.endMs };
}

export const IN_RANGE = (col: string): string =>
  `${col} >= fromUnixTimestamp64Milli({start_ms:Int64}) AND ${col} < fromUnixTimestamp64Milli({end_ms:Int64})`;

export type { BotVersion };

export interface Filters {
  channelTypes: string[];
  languages: string[];
}

/** WHERE fragments for the filters, over the given column expressions, with their params. */
export function filterSql(
  f: Filters,
  cols: { channel: string; language: string },
): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.channelTypes.length > 0) {
    parts.push(`has({f_channels:Array(String)}, ${cols.channel})`);
    params.f_channels = f.channelTypes;
  }
  if (f.languages.length > 0) {
    parts.push(`has({f_languages:Array(String)}, ${cols.language})`);
    params.f_languages = f.languages;
  }
  return { sql: parts.length > 0 ? ` AND ${parts.join(' AND ')}` : '', params };
}

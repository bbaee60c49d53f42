import { badParam } from '../api/errors.ts';
import { firstParam } from '../api/querystring.ts';
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

export function parseVersion(value: unknown, name = 'version'): BotVersion {
  const v = firstParam(value);
  if (v === 'DRAFT' || v === 'LIVE') return v;
  if (v === undefined || v === '') throw badParam(name, 'is required (DRAFT or LIVE)');
  throw badParam(name, 'must be DRAFT or LIVE');
}

/** Comma-separated OR list (channel_type, language); empty → no filter. */
export function parseList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  return [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

export interface Filters {
  channelTypes: string[];
  languages: string[];
}

export function parseFilters(query: Record<string, unknown>): Filters {
  return { channelTypes: parseList(query.channel_type), languages: parseList(query.language) };
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

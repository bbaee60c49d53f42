import fs from 'node:fs';
import { DateTime, IANAZone } from 'luxon';
import { badParam } from '../errors.ts';
import { parseRfc3339 } from '../ingest/validate.ts';
import { bucketLabels, walkBuckets } from './bucket-calendar.ts';

export type Bucket = '1h' | '1d' | '1w' | '1m';
export const BOT_BUCKETS: readonly Bucket[] = ['1h', '1d', '1w'];
export const MAX_BUCKETS = 10_000;

// Nominal lengths for "the bucket must be shorter than the range" (CONTRACT §7: a
// month counts as 28 days; equal is not shorter).
const NOMINAL_MS: Record<Bucket, number> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '1w': 7 * 86_400_000,
  '1m': 28 * 86_400_000,
};
const LUXON_UNIT = { '1h': 'hour', '1d': 'day', '1w': 'week', '1m': 'month' } as const;
const STEP = { '1h': { hours: 1 }, '1d': { days: 1 }, '1w': { weeks: 1 }, '1m': { months: 1 } } as const;

export interface TimeRange {
  startMs: number;
  endMs: number;
  tz: string;
  bucket: Bucket | undefined;
  /** Bucket starts (epoch ms); one entry, = startMs, when no bucket was asked for. */
  bucketStarts: number[];
  /** x_values: bucket starts as RFC 3339 in the request time zone. */
  labels: string[];
}

/**
 * The time parameters of a request as the HTTP layer read them (one value each, a
 * repeated parameter already settled): text only, given meaning here.
 */
export interface RangeInput {
  start_time?: string | undefined;
  end_time?: string | undefined;
  timezone?: string | undefined;
  bucket?: string | undefined;
}

// luxon (Intl) accepts any letter case and zones the engine lacks (America/Coyhaique on
// chDB 3.4); the engine then fails the query with a 500. A name is valid only when the
// engine knows it under exactly that spelling and luxon knows it too.
const LISTED_ZONES: ReadonlySet<string> = new Set(
  fs
    .readFileSync(new URL('./engine-time-zones.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')),
);
let ENGINE_ZONES: ReadonlySet<string> = LISTED_ZONES;

/**
 * Narrows the accepted zones to those the connected engine reports (`system.time_zones`),
 * so a ClickHouse server of another version that lacks a listed zone answers 400 for it,
 * not 500. Called once at start; returns the listed names the engine lacks (for the log).
 */
export function restrictToEngineZones(engineNames: Iterable<string>): string[] {
  const known = new Set(engineNames);
  ENGINE_ZONES = new Set([...LISTED_ZONES].filter((z) => known.has(z)));
  return [...LISTED_ZONES].filter((z) => !known.has(z));
}

export function parseTimezone(input: Pick<RangeInput, 'timezone'>): string {
  const tz = input.timezone;
  if (tz === undefined || tz === '') return 'UTC';
  if (!ENGINE_ZONES.has(tz) || !IANAZone.isValidZone(tz))
    throw badParam('timezone', `"${tz}" is not an IANA time zone name (names are case-sensitive, e.g. Europe/Paris)`);
  // Etc/UTC is UTC: labels take the `Z` form (CONTRACT §7).
  return tz === 'Etc/UTC' ? 'UTC' : tz;
}

/** RFC 3339 (with offset) or a date (midnight in `tz`), CONTRACT §3. */
export function parseTime(name: string, text: string | undefined, tz: string): number {
  if (text === undefined || text === '') throw badParam(name, 'is required');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = DateTime.fromISO(text, { zone: tz });
    if (!d.isValid) throw badParam(name, `"${text}" is not a valid date`);
    return d.startOf('day').toMillis();
  }
  const ms = parseRfc3339(text);
  if (ms === undefined) throw badParam(name, `"${text}" is not an RFC 3339 date-time or a YYYY-MM-DD date`);
  return ms;
}

/** Formats an instant as the contract's x_value: `Z` form in UTC, else local time with offset. */
export function formatInstant(ms: number, tz: string): string {
  const d = DateTime.fromMillis(ms, { zone: tz });
  // Milliseconds only when there are some (a start_time label may carry them).
  const secs = d.millisecond === 0 ? 'ss' : 'ss.SSS';
  return tz === 'UTC' ? d.toFormat(`yyyy-MM-dd'T'HH:mm:${secs}'Z'`) : d.toFormat(`yyyy-MM-dd'T'HH:mm:${secs}ZZ`);
}

/** Calendar-aligned bucket starts covering [startMs, endMs) in `tz` (DST-aware). */
export function bucketStartsFor(startMs: number, endMs: number, bucket: Bucket, tz: string): number[] {
  let d = DateTime.fromMillis(startMs, { zone: tz }).startOf(LUXON_UNIT[bucket]);
  const fast = walkBuckets(d.toMillis(), d.offset, endMs, bucket, tz, MAX_BUCKETS);
  if (fast) return fast;
  const starts: number[] = [];
  while (d.toMillis() < endMs) {
    starts.push(d.toMillis());
    if (starts.length > MAX_BUCKETS) break;
    d = d.plus(STEP[bucket]);
  }
  return starts;
}

export interface RangeOptions {
  /** Buckets this endpoint accepts; undefined = the endpoint takes no bucket. */
  buckets?: readonly Bucket[];
  bucketRequired?: boolean;
}

/** Parses start_time, end_time, timezone and bucket with the contract's rules (CONTRACT §3, §7). */
export function parseTimeRange(input: RangeInput, opts: RangeOptions = {}): TimeRange {
  const tz = parseTimezone(input);
  const startMs = parseTime('start_time', input.start_time, tz);
  const endMs = parseTime('end_time', input.end_time, tz);
  if (endMs <= startMs) throw badParam('end_time', 'must be after start_time');
  let bucket: Bucket | undefined;
  const rawBucket = input.bucket;
  if (opts.buckets && rawBucket !== undefined && rawBucket !== '') {
    if (!(opts.buckets as readonly string[]).includes(rawBucket)) {
      throw badParam('bucket', `must be one of ${opts.buckets.join(', ')}`);
    }
    bucket = rawBucket as Bucket;
    if (NOMINAL_MS[bucket] >= endMs - startMs) throw badParam('bucket', 'must be shorter than the time range');
  } else if (opts.bucketRequired) {
    throw badParam('bucket', 'is required');
  }
  const bucketStarts = bucket ? bucketStartsFor(startMs, endMs, bucket, tz) : [startMs];
  if (bucketStarts.length > MAX_BUCKETS) throw badParam('bucket', `the range holds more than ${MAX_BUCKETS} buckets`);
  return {
    startMs,
    endMs,
    tz,
    bucket,
    bucketStarts,
    labels: bucketLabels(bucketStarts, tz, (ms) => formatInstant(ms, tz)),
  };
}

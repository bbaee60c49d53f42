/**
 * Time rules of CONTRACT §3 and §7: parsing of time parameters, calendar
 * buckets in a time zone, x_values labels, and the `Serie` statistics.
 *
 * All instants are epoch milliseconds; luxon does the zone arithmetic so that
 * local days of 23 or 25 hours (DST) come out right.
 */
import { DateTime } from 'luxon';

export type BucketParam = '1h' | '1d' | '1w' | '1m';

/** §7 "bucket shorter than the range" uses these nominal lengths (a month counts as 28 d). */
export const BUCKET_NOMINAL_MS: Record<BucketParam, number> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '1w': 7 * 86_400_000,
  '1m': 28 * 86_400_000,
};

const UNIT = { '1h': 'hour', '1d': 'day', '1w': 'week', '1m': 'month' } as const;

export interface Serie {
  values: number[];
  mean: number;
  max: number;
  min: number;
  sum: number;
  /**
   * CONTRACT-LIVE-API §6: on answers to a request with group_by, each group_by field →
   * this series' value; `{}` on every other series (fixed labels, per-intent series).
   */
  labels: Record<string, string>;
}

export interface SeriesData {
  series: Serie[];
  series_labels: string[];
  x_values: string[];
}

/**
 * RFC 3339 → epoch ms. Lower-case `t`/`z` and a space separator are allowed by
 * RFC 3339 but not by luxon, so they are normalised first. Digits beyond
 * milliseconds are truncated (as a DateTime64(3) column does).
 */
export function parseInstantMs(ts: string): number {
  let s = ts.toUpperCase();
  if (s.length > 10 && s[10] === ' ') s = `${s.slice(0, 10)}T${s.slice(11)}`;
  const dt = DateTime.fromISO(s, { setZone: true });
  if (!dt.isValid) throw new Error(`not an RFC 3339 timestamp: ${ts}`);
  return dt.toMillis();
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `start_time` / `end_time` (§3): RFC 3339, or a date meaning local midnight
 * in the request time zone. Where midnight does not exist (a DST jump at
 * 00:00, e.g. America/Santiago), the day starts at the first existing instant
 * after the gap, which is what luxon yields and what "start of day" means.
 */
export function parseTimeParam(value: string, zone: string): number {
  if (DATE_ONLY.test(value)) {
    const dt = DateTime.fromISO(value, { zone }).startOf('day');
    if (!dt.isValid) throw new Error(`bad date ${value} in ${zone}`);
    return dt.toMillis();
  }
  return parseInstantMs(value);
}

/**
 * Decision: the `Z` form of §7 is used when the zone is UTC, i.e. the
 * `timezone` parameter is absent, `UTC` or `Etc/UTC` (case-insensitive). Any
 * other zone, including fixed zero-offset ones such as `Etc/GMT` or
 * Europe/London in winter, is "local wall time with its offset" (`+00:00`).
 */
export function isUtcZone(zone: string): boolean {
  const z = zone.toUpperCase();
  return z === 'UTC' || z === 'ETC/UTC';
}

/**
 * Formats an instant as an x label. Decision: seconds precision, with
 * `.SSS` appended only when the instant has a millisecond part (only a
 * no-bucket label taken from a fractional `start_time` can have one).
 */
export function formatInstant(ms: number, zone: string): string {
  const dt = DateTime.fromMillis(ms, { zone });
  const frac = ms % 1000 === 0 ? '' : '.SSS';
  return isUtcZone(zone)
    ? dt.toFormat(`yyyy-MM-dd'T'HH:mm:ss${frac}'Z'`)
    : dt.toFormat(`yyyy-MM-dd'T'HH:mm:ss${frac}ZZ`);
}

export interface Timeline {
  zone: string;
  startMs: number;
  endMs: number;
  /** Bucket starts, ascending. */
  starts: number[];
  /** x_values: the bucket starts formatted by `formatInstant`. */
  labels: string[];
  /**
   * Whole calendar span `[spanStartMs, spanEndMs)` of the buckets: the first
   * bucket may start before `startMs`, the last may end after `endMs`.
   * Equal to `[startMs, endMs)` without a bucket.
   */
  spanStartMs: number;
  spanEndMs: number;
  /** Bucket index of an instant, or -1 when it is outside `[startMs, endMs)` (§3: never counts). */
  indexOf(ms: number): number;
  /** Calendar bucket index of an instant, or -1 outside `[spanStartMs, spanEndMs)`. Not clipped to the range. */
  calendarIndexOf(ms: number): number;
}

/** Start of the calendar bucket containing `ms` (weeks are ISO weeks: Monday). */
export function bucketFloor(ms: number, zone: string, bucket: BucketParam): number {
  return DateTime.fromMillis(ms, { zone }).startOf(UNIT[bucket]).toMillis();
}

/**
 * Next bucket start after `startMs`. Hours are absolute (+1 h, so the repeated
 * 02:00 of an autumn night is two buckets); days, weeks and months are
 * calendar steps, re-aligned with startOf so a missing local midnight cannot
 * drift the series.
 */
function nextBucket(startMs: number, zone: string, bucket: BucketParam): number {
  const dt = DateTime.fromMillis(startMs, { zone });
  switch (bucket) {
    case '1h':
      return dt.plus({ hours: 1 }).toMillis();
    case '1d':
      return dt.plus({ days: 1 }).startOf('day').toMillis();
    case '1w':
      return dt.plus({ weeks: 1 }).startOf('week').toMillis();
    case '1m':
      return dt.plus({ months: 1 }).startOf('month').toMillis();
  }
}

/**
 * Buckets of a request (§3): every calendar bucket overlapping
 * `[startMs, endMs)`; the first one may start before `startMs`. Without a
 * bucket there is a single bucket labelled with `start_time` itself.
 */
export function buildTimeline(startMs: number, endMs: number, zone: string, bucket?: BucketParam): Timeline {
  const starts: number[] = [];
  let spanEndMs = endMs;
  if (bucket === undefined) {
    starts.push(startMs);
  } else {
    let b = bucketFloor(startMs, zone, bucket);
    for (; b < endMs; b = nextBucket(b, zone, bucket)) starts.push(b);
    spanEndMs = b;
  }
  const spanStartMs = starts[0] ?? startMs;
  const labels = starts.map((s) => formatInstant(s, zone));
  const calendarIndexOf = (ms: number): number => {
    // Written as a negated inclusion so that NaN is outside too.
    if (!(ms >= spanStartMs && ms < spanEndMs)) return -1;
    // Binary search for the last start <= ms.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? Number.POSITIVE_INFINITY) <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const indexOf = (ms: number): number => (ms >= startMs && ms < endMs ? calendarIndexOf(ms) : -1);
  return { zone, startMs, endMs, starts, labels, spanStartMs, spanEndMs, indexOf, calendarIndexOf };
}

/** §3 / §7: sum, min, max; mean = sum/len rounded half up; all 0 for an empty series. */
export function serie(values: number[], labels: Record<string, string> = {}): Serie {
  if (values.length === 0) return { values: [], mean: 0, max: 0, min: 0, sum: 0, labels: { ...labels } };
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { values: [...values], mean: roundHalfUpDiv(sum, values.length), max, min, sum, labels: { ...labels } };
}

/**
 * round(sum / len) with halves rounded up ([4, 1] → 3), in integer arithmetic
 * so that no floating-point error can move a value across .5.
 * Half up means towards +∞ (values are counts, so never negative in practice).
 */
export function roundHalfUpDiv(sum: number, len: number): number {
  return Math.floor((2 * sum + len) / (2 * len));
}

/** A per-bucket counter with one row per label. */
export function zeroRow(timeline: Timeline): number[] {
  return timeline.starts.map(() => 0);
}

/**
 * Bucket starts and x_values without a luxon DateTime per bucket. Luxon spent 35–75 µs per
 * bucket (object churn plus three Intl offset look-ups of ~25 µs each), so a 10,000-bucket
 * range blocked the event loop 0.1–0.7 s per request before any query ran (measured
 * 2026-12-01; 50 such requests at once kept /healthz waiting for seconds). This file walks the
 * calendar the way luxon's plus() does (same local-time arithmetic, same offset fix-up for
 * DST gaps and overlaps) with one cached Intl look-up per bucket, and none in UTC. The
 * first bucket still comes from luxon's startOf(); anything unusual falls back to luxon.
 */
import type { Bucket } from './time-range.ts';

const HOUR = 3_600_000;

// One formatter per zone name; names are validated before they get here, so the map is
// bounded by the zone database.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** UTC offset of `tz` at `ms`, in minutes (fractional for pre-1900 local mean times). */
function zoneOffset(tz: string): (ms: number) => number {
  if (tz === 'UTC') return () => 0;
  let fmt = offsetFormats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset', year: 'numeric' });
    offsetFormats.set(tz, fmt);
  }
  const f = fmt;
  return (ms) => {
    const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT(?:([+-])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
    if (!m) return Number.NaN;
    if (m[1] === undefined) return 0;
    // Seconds / 60, like luxon's (ms difference) / 60000: the same rational, the same double.
    const minutes = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) / 60;
    return m[1] === '-' ? -minutes : minutes;
  };
}

// Offsets may be fractional minutes (local mean time before ~1900): every product is
// written `o * 60 * 1000` as in luxon, so the doubles round the same way.
const shift = (o: number): number => o * 60 * 1000;

const DAY = 86_400_000;

/**
 * The offset look-up of one walk, remembering the last day it saw no change over: offsets
 * change at most a few times a year and never twice within a day, so an hourly walk asks
 * Intl once per day instead of once per hour (a range of 10,000 hours in Europe/Brussels:
 * ~420 look-ups instead of 10,000).
 */
function dayCachedOffset(raw: (ms: number) => number): (ms: number) => number {
  let lo = Number.NaN;
  let hi = Number.NaN;
  let known = Number.NaN;
  return (ms) => {
    if (ms >= lo && ms <= hi) return known;
    const o = raw(ms);
    if (raw(ms + DAY) === o) {
      lo = ms;
      hi = ms + DAY;
      known = o;
    }
    return o;
  };
}

/** luxon's fixOffset: the instant of a local time, guessing the offset of the previous bucket. */
function fixOffset(localTs: number, o: number, offset: (ms: number) => number): [number, number] {
  let utcGuess = localTs - shift(o);
  const o2 = offset(utcGuess);
  if (o === o2) return [utcGuess, o];
  utcGuess -= shift(o2 - o);
  const o3 = offset(utcGuess);
  if (o2 === o3) return [utcGuess, o2];
  // A local time that does not exist (DST gap): luxon keeps the wall time, later offset.
  return [localTs - shift(Math.min(o2, o3)), Math.max(o2, o3)];
}

const daysInMonth = (year: number, month0: number): number => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

// Offsets of the starts computed here, so x_values need no second look-up.
const offsetsOf = new WeakMap<readonly number[], number[]>();

/**
 * The bucket after `first` (luxon's startOf result, its offset `o`) up to `endMs`, as luxon's
 * plus() would give them; undefined for years outside 1000–9999 (Date.UTC's two-digit years
 * and six-digit ISO years), where the caller uses luxon.
 */
export function walkBuckets(
  first: number,
  o: number,
  endMs: number,
  bucket: Bucket,
  tz: string,
  max: number,
): number[] | undefined {
  const yearOk = (ms: number): boolean => {
    const y = new Date(ms).getUTCFullYear();
    return y >= 1000 && y <= 9999;
  };
  if (!yearOk(first) || !yearOk(endMs)) return undefined;
  // Longer steps ask once per bucket anyway; the day cache would only add a look-up.
  const offset = bucket === '1h' ? dayCachedOffset(zoneOffset(tz)) : zoneOffset(tz);
  const starts: number[] = [];
  const offsets: number[] = [];
  let ts = first;
  let off = o;
  while (ts < endMs) {
    if (Number.isNaN(off)) return undefined;
    starts.push(ts);
    offsets.push(off);
    if (starts.length > max) break;
    if (bucket === '1h') {
      // Hours are exact durations in luxon's plus(), not wall-clock steps.
      ts += HOUR;
      off = offset(ts);
      continue;
    }
    const local = new Date(ts + shift(off));
    const y = local.getUTCFullYear();
    let m = local.getUTCMonth();
    let d = local.getUTCDate();
    if (bucket === '1m') {
      m += 1;
      d = Math.min(d, daysInMonth(y, m));
    } else d += bucket === '1d' ? 1 : 7;
    const localTs = Date.UTC(
      y,
      m,
      d,
      local.getUTCHours(),
      local.getUTCMinutes(),
      local.getUTCSeconds(),
      local.getUTCMilliseconds(),
    );
    [ts, off] = fixOffset(localTs, off, offset);
  }
  offsetsOf.set(starts, offsets);
  return starts;
}

/** x_values of bucket starts; `slow` formats one start the luxon way when no offset is known. */
export function bucketLabels(starts: readonly number[], tz: string, slow: (ms: number) => string): string[] {
  const offsets = offsetsOf.get(starts);
  if (!offsets) return starts.map(slow);
  return starts.map((ms, i) => {
    const o = offsets[i] as number;
    const d = new Date(ms + shift(o));
    const iso = d.toISOString();
    // Milliseconds only when there are some (a start_time label may carry them).
    const local = d.getUTCMilliseconds() === 0 ? iso.slice(0, 19) : iso.slice(0, 23);
    if (tz === 'UTC') return `${local}Z`;
    // luxon's "ZZ": hours and minutes truncated (a +00:17:30 local mean time prints +00:17).
    const hh = String(Math.trunc(Math.abs(o / 60))).padStart(2, '0');
    const mm = String(Math.trunc(Math.abs(o % 60))).padStart(2, '0');
    return `${local}${o >= 0 ? '+' : '-'}${hh}:${mm}`;
  });
}

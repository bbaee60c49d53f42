/**
 * Bucket starts and x_values from the fast calendar walk (src/analytics/bucket-calendar.ts)
 * equal what the previous luxon-per-bucket code gave, kept here as the reference: DST gaps
 * and overlaps, half-hour and 45-minute zones, a zone whose DST starts at midnight, local
 * mean times before 1900 (fractional offsets), and ranges that do not start on a boundary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import { type Bucket, parseTimeRange } from '../../src/analytics/time-range.ts';

const UNIT = { '1h': 'hour', '1d': 'day', '1w': 'week', '1m': 'month' } as const;
const STEP = { '1h': { hours: 1 }, '1d': { days: 1 }, '1w': { weeks: 1 }, '1m': { months: 1 } } as const;

function reference(startMs: number, endMs: number, bucket: Bucket, tz: string): { starts: number[]; labels: string[] } {
  const starts: number[] = [];
  let d = DateTime.fromMillis(startMs, { zone: tz }).startOf(UNIT[bucket]);
  while (d.toMillis() < endMs) {
    starts.push(d.toMillis());
    d = d.plus(STEP[bucket]);
  }
  const labels = starts.map((ms) => {
    const x = DateTime.fromMillis(ms, { zone: tz });
    const secs = x.millisecond === 0 ? 'ss' : 'ss.SSS';
    return tz === 'UTC' ? x.toFormat(`yyyy-MM-dd'T'HH:mm:${secs}'Z'`) : x.toFormat(`yyyy-MM-dd'T'HH:mm:${secs}ZZ`);
  });
  return { starts, labels };
}

const ZONES = [
  'UTC',
  'Europe/Brussels',
  'America/New_York',
  'America/Santiago', // DST starts at midnight: some local midnights do not exist
  'America/St_Johns', // -03:30 / -02:30
  'Asia/Kolkata', // +05:30, local mean time before 1880
  'Asia/Kathmandu', // +05:45
  'Australia/Lord_Howe', // 30-minute DST
  'Pacific/Chatham', // +12:45 / +13:45
  'Asia/Beirut', // DST at midnight
  'Africa/Casablanca', // DST suspended for Ramadan
  'Pacific/Apia', // skipped 2011-12-30 entirely
];

const CASES: [Bucket, string, string][] = [
  ['1h', '2026-03-06T07:30:00.250Z', '2026-04-20T00:00:00Z'],
  ['1h', '2026-10-01T00:00:00Z', '2026-11-15T00:00:00Z'],
  ['1d', '2011-03-01T12:00:00Z', '2012-06-01T00:00:00Z'],
  ['1w', '1875-01-01T00:00:00Z', '1895-01-01T00:00:00Z'],
  ['1m', '1870-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
];

test('bucket starts and x_values equal the luxon walk in every tricky zone', () => {
  for (const tz of ZONES) {
    for (const [bucket, start, end] of CASES) {
      const range = parseTimeRange({ start_time: start, end_time: end, bucket, timezone: tz }, { buckets: [bucket] });
      const want = reference(range.startMs, range.endMs, bucket, tz);
      assert.deepEqual(range.bucketStarts, want.starts, `${tz} ${bucket} ${start}`);
      assert.deepEqual(range.labels, want.labels, `${tz} ${bucket} ${start}`);
    }
  }
});

test('a range of 10,000 buckets is parsed without blocking the event loop for long', () => {
  for (const tz of ['UTC', 'Europe/Brussels']) {
    const t0 = performance.now();
    const range = parseTimeRange(
      { start_time: '2025-11-01', end_time: '2026-12-01', bucket: '1h', timezone: tz },
      { buckets: ['1h'] },
    );
    const ms = performance.now() - t0;
    assert.ok(range.bucketStarts.length > 9_000);
    // A correctness bound on a shared 2-core machine, not a benchmark (luxon alone took 0.1-0.7 s).
    assert.ok(ms < 250, `${tz}: ${ms.toFixed(0)} ms`);
  }
});

import type { Query } from './api.ts';

// The global controls, read from the address: what every page's queries share.
export type RangePreset = '24h' | '7d' | '30d' | '90d' | 'custom';
export type Bucket = '1h' | '1d' | '1w';

export interface Controls {
  bot: string | undefined;
  version: 'LIVE' | 'DRAFT';
  range: RangePreset;
  /** Custom range: first and last day shown (inclusive), YYYY-MM-DD. */
  from: string | undefined;
  to: string | undefined;
  bucket: Bucket;
  tz: string;
  channels: string[];
  languages: string[];
}

export interface TimeRange {
  start_time: string;
  end_time: string;
  /** Length in days (fractional for 24 h). */
  days: number;
}

export const PRESETS: { id: RangePreset; label: string }[] = [
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: '90d', label: 'Last 90 days' },
  { id: 'custom', label: 'Custom' },
];

export const CHANNELS = ['web', 'whatsapp', 'messenger', 'voice', 'telegram', 'slack', 'teams', 'sms'];
export const LANGUAGES = ['en', 'nl', 'fr', 'de', 'es', 'it', 'pt'];

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const list = (v: string | null): string[] => (v ? v.split(',').filter(Boolean) : []);

function validZone(tz: string | null): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(tz: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    now,
  );
}

/** Calendar arithmetic on YYYY-MM-DD (UTC noon avoids any DST edge). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 864e5);
}

export function defaultBucket(days: number): Bucket {
  if (days <= 2) return '1h';
  if (days <= 62) return '1d';
  return '1w';
}

const BUCKET_DAYS: Record<Bucket, number> = { '1h': 1 / 24, '1d': 1, '1w': 7 };

export function parseControls(params: URLSearchParams): Controls {
  const range = (PRESETS.some((p) => p.id === params.get('range')) ? params.get('range') : '7d') as RangePreset;
  const from = DATE.test(params.get('from') ?? '') ? (params.get('from') as string) : undefined;
  const to = DATE.test(params.get('to') ?? '') ? (params.get('to') as string) : undefined;
  const tz = validZone(params.get('tz')) ?? browserZone();
  const partial = { range, from, to, tz };
  const days = rangeDays(partial);
  const asked = params.get('bucket');
  // The API refuses a bucket not shorter than the range: fall back to the default one.
  const bucket =
    (asked === '1h' || asked === '1d' || asked === '1w') && BUCKET_DAYS[asked] < days ? asked : defaultBucket(days);
  return {
    bot: params.get('bot') ?? undefined,
    version: params.get('version') === 'DRAFT' ? 'DRAFT' : 'LIVE',
    range,
    from,
    to,
    bucket,
    tz,
    channels: list(params.get('channel')),
    languages: list(params.get('language')),
  };
}

function rangeDays(c: Pick<Controls, 'range' | 'from' | 'to'>): number {
  if (c.range === '24h') return 1;
  if (c.range === 'custom' && c.from && c.to && c.to >= c.from) return daysBetween(c.from, c.to) + 1;
  return c.range === '30d' ? 30 : c.range === '90d' ? 90 : 7;
}

/**
 * The range the controls select. Day presets are whole days in the chosen zone ending
 * with today (dates, which the API reads as midnight in `timezone`); 24 h is the 24 whole
 * hours ending with the current one.
 */
export function timeRange(c: Pick<Controls, 'range' | 'from' | 'to' | 'tz'>, now = new Date()): TimeRange {
  if (c.range === '24h') {
    const end = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
    const start = new Date(end.getTime() - 86_400_000);
    return {
      start_time: start.toISOString().replace('.000', ''),
      end_time: end.toISOString().replace('.000', ''),
      days: 1,
    };
  }
  const days = rangeDays(c);
  const last = c.range === 'custom' && c.from && c.to && c.to >= c.from ? c.to : todayIn(c.tz, now);
  const first = addDays(last, 1 - days);
  return { start_time: first, end_time: addDays(last, 1), days };
}

/** The range of equal length just before this one (for "change against the previous range"). */
export function previousRange(r: TimeRange): TimeRange {
  if (DATE.test(r.start_time)) {
    return { start_time: addDays(r.start_time, -r.days), end_time: r.start_time, days: r.days };
  }
  const start = Date.parse(r.start_time);
  const len = Date.parse(r.end_time) - start;
  return {
    start_time: new Date(start - len).toISOString().replace('.000', ''),
    end_time: r.start_time,
    days: r.days,
  };
}

/** The query every bot analytics operation takes, from the controls. */
export function botQuery(c: Controls, range = timeRange(c), withBucket = true): Query {
  return {
    version: c.version,
    start_time: range.start_time,
    end_time: range.end_time,
    timezone: c.tz,
    channel_type: c.channels.length ? c.channels.join(',') : undefined,
    language: c.languages.length ? c.languages.join(',') : undefined,
    bucket: withBucket ? c.bucket : undefined,
  };
}

/** The controls as address parameters (for links that keep them). */
export function controlParams(c: Controls): Record<string, string | undefined> {
  return {
    bot: c.bot,
    version: c.version === 'LIVE' ? undefined : c.version,
    range: c.range === '7d' ? undefined : c.range,
    from: c.range === 'custom' ? c.from : undefined,
    to: c.range === 'custom' ? c.to : undefined,
    bucket: c.bucket,
    tz: c.tz === browserZone() ? undefined : c.tz,
    channel: c.channels.join(',') || undefined,
    language: c.languages.join(',') || undefined,
  };
}

/** A bucket start (RFC 3339) as the user reads it, in the chosen zone. */
export function formatBucket(x: string, bucket: Bucket | undefined, tz: string): string {
  const d = new Date(x);
  if (Number.isNaN(d.getTime())) return x;
  const opts: Intl.DateTimeFormatOptions =
    bucket === '1h'
      ? { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat('en-GB', opts).format(d);
}

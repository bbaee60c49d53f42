import type { Bucket, TimeRange } from '../lib/controls.ts';

// The team operations take other buckets than the bot ones (CONTRACT §7): billable
// conversations and the knowledge base take day/week/month, voice minutes hour/day/week.
// The page has its own granularity (day/week/month, `granularity` in the address); this
// module maps it onto what each operation accepts, and says when it had to.

export type Granularity = 'day' | 'week' | 'month';
export type TeamBucket = '1d' | '1w' | '1m';
export type VoiceBucket = '1h' | '1d' | '1w';

export const GRANULARITIES: { id: Granularity; label: string; bucket: TeamBucket; days: number }[] = [
  { id: 'month', label: 'Month', bucket: '1m', days: 28 },
  { id: 'week', label: 'Week', bucket: '1w', days: 7 },
  { id: 'day', label: 'Day', bucket: '1d', days: 1 },
];

/** The page granularity: the address's, else the one nearest the global bucket (1h has no team equivalent). */
export function parseGranularity(raw: string | null, globalBucket: Bucket): Granularity {
  if (raw === 'day' || raw === 'week' || raw === 'month') return raw;
  return globalBucket === '1w' ? 'week' : 'day';
}

export interface TeamBuckets {
  /** What the page shows (may be coarser-to-finer fallback of the asked one). */
  shown: Granularity | undefined;
  /** Team conversations / knowledge base bucket; undefined = one bucket for the whole range. */
  team: TeamBucket | undefined;
  voice: VoiceBucket;
  /** Why the shown granularity differs from the asked one (for the page note). */
  notes: string[];
}

/**
 * A bucket must be shorter than the range (nominal lengths: a month is 28 days). When the
 * asked granularity is not, the next finer one is used; a range of one day takes none.
 */
export function teamBuckets(asked: Granularity, range: TimeRange): TeamBuckets {
  const notes: string[] = [];
  const fits = GRANULARITIES.filter((g) => g.days < range.days);
  const exact = fits.find((g) => g.id === asked);
  const askedDays = GRANULARITIES.find((g) => g.id === asked)?.days ?? 1;
  const chosen = exact ?? fits.find((g) => g.days < askedDays);
  if (!exact) {
    notes.push(
      chosen
        ? `A ${asked} is not shorter than this range, so buckets are by ${chosen.id}.`
        : 'This range is one day: billable conversations are one total, and the knowledge base over time needs a longer range.',
    );
  }
  let voice: VoiceBucket = '1h';
  if (chosen?.id === 'day') voice = '1d';
  else if (chosen) voice = '1w';
  if (chosen?.id === 'month') notes.push('Voice minutes have no month bucket: they are shown by week.');
  if (!chosen) notes.push('Voice minutes are shown by hour.');
  return { shown: chosen?.id, team: chosen?.bucket, voice, notes };
}

/** A bucket start as read in the chosen zone: "Nov 2026" for months, "2 Nov 2026" for days and weeks. */
export function bucketLabel(x: string, bucket: TeamBucket | VoiceBucket | undefined, tz: string): string {
  const d = new Date(x);
  if (Number.isNaN(d.getTime())) return x;
  const opts: Intl.DateTimeFormatOptions =
    bucket === '1m'
      ? { timeZone: tz, year: 'numeric', month: 'short' }
      : bucket === '1h'
        ? { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric' };
  const text = new Intl.DateTimeFormat('en-GB', opts).format(d);
  return bucket === '1w' ? `week of ${text}` : text;
}

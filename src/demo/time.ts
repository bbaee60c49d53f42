/** Time helpers for the demo generator: numbers in, strings out, no Date parsing on the hot path. */

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Relative traffic per UTC hour: a European audience, quiet at night, busy late morning and evening. */
export const HOURLY_WEIGHT: readonly number[] = [
  0.18, 0.1, 0.06, 0.05, 0.06, 0.12, 0.3, 0.6, 0.9, 1.0, 1.0, 0.95, 0.9, 0.95, 1.0, 0.95, 0.9, 0.85, 0.8, 0.85, 0.9,
  0.75, 0.5, 0.3,
];

/** Relative traffic per weekday, Sunday first (as `weekdayUtc`). */
export const WEEKDAY_WEIGHT: readonly number[] = [0.55, 1.0, 1.0, 0.97, 0.95, 0.9, 0.62];

export function hourUtc(ms: number): number {
  return Math.floor((ms % DAY) / HOUR);
}

/** 0 = Sunday; 1970-01-01 was a Thursday. */
export function weekdayUtc(ms: number): number {
  return (Math.floor(ms / DAY) + 4) % 7;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Returns a formatter `ms -> 'YYYY-MM-DDTHH:MM:SS.mmmZ'` that builds the date part once per day
 * (events of one slot share it), about 3x cheaper than `toISOString` per call.
 */
export function isoFormatter(): (ms: number) => string {
  let day = Number.NaN;
  let prefix = '';
  return (ms: number) => {
    const t = Math.floor(ms);
    const d = Math.floor(t / DAY);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY).toISOString().slice(0, 11);
    }
    let rest = t - d * DAY;
    const h = Math.floor(rest / HOUR);
    rest -= h * HOUR;
    const m = Math.floor(rest / MINUTE);
    rest -= m * MINUTE;
    const s = Math.floor(rest / SECOND);
    return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[rest - s * SECOND]}Z`;
  };
}

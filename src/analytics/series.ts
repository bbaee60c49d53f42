/**
 * One series of the API (`Serie`): values plus their sum, min, max and mean, and
 * `labels` (CONTRACT-LIVE-API §6): each group_by field → this series' value on a
 * grouped answer, `{}` on every other series.
 */
export interface Serie {
  values: number[];
  mean: number;
  max: number;
  min: number;
  sum: number;
  labels: SerieLabels;
}

export type SerieLabels = Record<string, string>;

export interface SeriesData {
  series: Serie[];
  series_labels: string[];
  x_values: string[];
}

/** Every number of a Serie is an int32 in the API document. */
export const SERIE_MAX = 2_147_483_647;
const saturate = (n: number): number => Math.min(n, SERIE_MAX);

/**
 * Builds every series of the API, so this is the one place that keeps its numbers in
 * int32: a value or sum above 2,147,483,647 saturates there (never wraps, never leaves
 * the schema). `mean` is taken over the saturated values; a saturated `sum` is the
 * only case where `sum` is not the sum of `values` (README "Limits").
 */
export function serie(raw: number[], labels: SerieLabels = {}): Serie {
  if (raw.length === 0) return { values: raw, mean: 0, max: 0, min: 0, sum: 0, labels };
  const values = raw.map(saturate);
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Halves round up (CONTRACT §7: [4, 1] → 3), values are never negative.
  // Saturated values keep the sum exact in a double (10,000 buckets × 2^31 < 2^53).
  return { values, mean: Math.floor(sum / values.length + 0.5), max, min, sum: saturate(sum), labels };
}

/** Fixed-label series (messages, users, …) in the given order; their `labels` are `{}`. */
export function fixedSeries(labels: readonly string[], values: number[][], xValues: string[]): SeriesData {
  return { series: values.map((v) => serie(v)), series_labels: [...labels], x_values: xValues };
}

/**
 * Series per group value or intent: ordered by sum desc, then label asc (CONTRACT §3);
 * groups without data in range have no series. `labelsOf` gives a series' `labels`
 * from its label (group_by answers); without it every series has `{}` (per intent).
 */
export function rankedSeries(
  byLabel: Map<string, number[]>,
  xValues: string[],
  labelsOf: (label: string) => SerieLabels = () => ({}),
): SeriesData {
  const entries = [...byLabel.entries()]
    .map(([label, values]) => ({ label, s: serie(values, labelsOf(label)) }))
    .filter((e) => e.s.sum > 0)
    .sort((a, b) => b.s.sum - a.s.sum || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { series: entries.map((e) => e.s), series_labels: entries.map((e) => e.label), x_values: xValues };
}

// One index per range, shared by all its series: building it per series made a grouped
// answer over 10,000 buckets cost series × buckets map inserts (2.1 s of blocked event
// loop for a 27-year daily team answer with 7 group_by fields, measured 2026-12-01).
const indexes = new WeakMap<readonly number[], Map<number, number>>();

function bucketIndex(bucketStarts: readonly number[]): Map<number, number> {
  let index = indexes.get(bucketStarts);
  if (!index) {
    index = new Map();
    for (let i = 0; i < bucketStarts.length; i++) index.set(bucketStarts[i] as number, i);
    indexes.set(bucketStarts, index);
  }
  return index;
}

/**
 * Places (bucketStartMs, value) rows into a zero-filled array aligned with
 * `bucketStarts`; rows outside the buckets are ignored.
 */
export function fillBuckets(
  bucketStarts: readonly number[],
  rows: Iterable<{ bucketMs: number; value: number }>,
): number[] {
  const index = bucketIndex(bucketStarts);
  const values = new Array<number>(bucketStarts.length).fill(0);
  for (const r of rows) {
    const i = index.get(r.bucketMs);
    if (i !== undefined) values[i] = (values[i] ?? 0) + r.value;
  }
  return values;
}

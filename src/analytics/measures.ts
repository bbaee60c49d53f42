/**
 * The one declaration the series endpoints combine (issue 12): a SOURCE is a set of rows for a
 * scope (a table or subquery and the conditions that pick the scope's rows, with the column
 * their time is bucketed on); a MEASURE is an aggregate a source can give; a DIMENSION is a
 * value a source can group by. A series read is (source, measures, dimensions) over a range:
 * "bucket, group, fill" is written once here, and each endpoint is a few lines that say which
 * source, which measures, which dimensions and how the rows become series.
 *
 * Two sources may give the same measure and dimension names (raw events and a rollup of them):
 * the endpoint asks for a measure, the source decides how to compute it.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { type Column, num, parseRows, str } from './query.ts';
import { fillBuckets, fixedSeries, rankedSeries, type SerieLabels, type SeriesData } from './series.ts';
import { bucketStartSql } from './sql.ts';
import type { TimeRange } from './time-range.ts';

/** What a source selects for one request: FROM, WHERE and their parameters. */
export interface SourceRows {
  /** A table name or a parenthesised subquery. */
  from: string;
  /** Conditions (without WHERE); the scope, the range and the filters. */
  where: string;
  params: Record<string, unknown>;
}

export interface Source<S, M extends string, D extends string> {
  /** Names the source in benchmarks and errors. */
  name: string;
  rows(scope: S): SourceRows;
  /** The column (or expression) of each row's instant that buckets are cut on. */
  time: string;
  /** Aggregate SQL per measure (over the source's rows). */
  measures: Record<M, string>;
  /** SQL per dimension; its values are read as strings. */
  dimensions: Record<D, string>;
}

/** One row of a series read: the bucket start (epoch ms), the dimension values, the measures. */
export interface SeriesRow<M extends string, D extends string> {
  bucketMs: number;
  dims: Record<D, string>;
  values: Record<M, number>;
}

export interface SeriesRead<S, M extends string, D extends string> {
  source: Source<S, M, D>;
  scope: S;
  range: TimeRange;
  measures: readonly M[];
  dimensions?: readonly D[];
}

/** SQL and parameters of a series read, pure so the benchmark runs the very same text. */
export function seriesSql<S, M extends string, D extends string>(
  read: SeriesRead<S, M, D>,
): { query: string; params: Record<string, unknown> } {
  const { source, range } = read;
  const dims = read.dimensions ?? [];
  const rows = source.rows(read.scope);
  const select = [
    `${bucketStartSql(range, source.time)} AS b`,
    ...dims.map((d, i) => `toString(${source.dimensions[d]}) AS d${i}`),
    ...read.measures.map((m, i) => `toUInt64(${source.measures[m]}) AS m${i}`),
  ];
  const group = ['b', ...dims.map((_, i) => `d${i}`)];
  return {
    query: `SELECT ${select.join(', ')}\nFROM ${rows.from}\nWHERE ${rows.where}\nGROUP BY ${group.join(', ')}`,
    params: rows.params,
  };
}

/** Runs a series read: one row per (bucket, dimension values) that has rows. */
export async function readSeries<S, M extends string, D extends string>(
  reader: AnalyticsReader,
  read: SeriesRead<S, M, D>,
  signal: AbortSignal | undefined,
): Promise<SeriesRow<M, D>[]> {
  const dims = read.dimensions ?? [];
  const { query, params } = seriesSql(read);
  const columns: Record<string, Column<unknown>> = { b: num };
  dims.forEach((_, i) => {
    columns[`d${i}`] = str;
  });
  read.measures.forEach((_, i) => {
    columns[`m${i}`] = num;
  });
  const parsed = parseRows(await reader.rows({ sql: query, params, signal }), columns);
  return parsed.map((r) => ({
    bucketMs: r.b as number,
    dims: Object.fromEntries(dims.map((d, i) => [d, r[`d${i}`] as string])) as Record<D, string>,
    values: Object.fromEntries(read.measures.map((m, i) => [m, r[`m${i}`] as number])) as Record<M, number>,
  }));
}

/** One fixed series per measure, in the given order, labelled `labels` (same length). */
export function seriesPerMeasure<M extends string>(
  rows: readonly SeriesRow<M, string>[],
  range: TimeRange,
  measures: readonly M[],
  labels: readonly string[],
): SeriesData {
  const values = measures.map((m) =>
    fillBuckets(
      range.bucketStarts,
      rows.map((r) => ({ bucketMs: r.bucketMs, value: r.values[m] })),
    ),
  );
  return fixedSeries(labels, values, range.labels);
}

/** Rows summed per value of one dimension, each filled over the range's buckets. */
export function filledPerValue<M extends string, D extends string>(
  rows: readonly SeriesRow<M, D>[],
  range: TimeRange,
  measure: M,
  label: (row: SeriesRow<M, D>) => string,
): Map<string, number[]> {
  const byValue = new Map<string, { bucketMs: number; value: number }[]>();
  for (const r of rows) {
    const key = label(r);
    let list = byValue.get(key);
    if (!list) {
      list = [];
      byValue.set(key, list);
    }
    list.push({ bucketMs: r.bucketMs, value: r.values[measure] });
  }
  const filled = new Map<string, number[]>();
  for (const [key, list] of byValue) filled.set(key, fillBuckets(range.bucketStarts, list));
  return filled;
}

/**
 * One fixed series per value of a dimension, in the order of `values` (a value without rows
 * is all zeros), labelled `labels` (messages by category).
 */
export function seriesPerValue<M extends string, D extends string>(
  rows: readonly SeriesRow<M, D>[],
  range: TimeRange,
  measure: M,
  dimension: D,
  values: readonly string[],
  labels: readonly string[],
): SeriesData {
  const filled = filledPerValue(rows, range, measure, (r) => r.dims[dimension]);
  const zeros = () => new Array<number>(range.bucketStarts.length).fill(0);
  return fixedSeries(
    labels,
    values.map((v) => filled.get(v) ?? zeros()),
    range.labels,
  );
}

/**
 * Series per value of the dimensions, ranked by sum desc then label (CONTRACT §3); values
 * without data in range have no series. `labelOf` joins a row's dimension values into the
 * series label; `labelsOf` gives a series' `labels` from its label.
 */
export function rankedPerValue<M extends string, D extends string>(
  rows: readonly SeriesRow<M, D>[],
  range: TimeRange,
  measure: M,
  labelOf: (row: SeriesRow<M, D>) => string,
  labelsOf?: (label: string) => SerieLabels,
): SeriesData {
  return rankedSeries(filledPerValue(rows, range, measure, labelOf), range.labels, labelsOf);
}

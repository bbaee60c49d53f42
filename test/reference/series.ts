/**
 * Assembling `SeriesData` bodies (§3 series order rules).
 */
import { type SeriesData, serie, type Timeline } from './buckets.js';
import { byCountDescThenText } from './order.js';

/** Fixed labels (§4 lists them): every series present, in the given order, zeros included. */
export function fixedSeries(x_values: string[], labels: string[], rows: number[][]): SeriesData {
  return { series: rows.map((r) => serie(r)), series_labels: [...labels], x_values: [...x_values] };
}

/** Counts instants per bucket and label; instants outside the range are ignored (§3). */
export class GroupCounter {
  private readonly rows = new Map<string, number[]>();

  constructor(private readonly timeline: Timeline) {}

  add(label: string, ms: number, amount = 1): void {
    const i = this.timeline.indexOf(ms);
    if (i < 0) return;
    let row = this.rows.get(label);
    if (row === undefined) {
      row = this.timeline.starts.map(() => 0);
      this.rows.set(label, row);
    }
    row[i] = (row[i] ?? 0) + amount;
  }

  row(label: string): number[] {
    return this.rows.get(label) ?? this.timeline.starts.map(() => 0);
  }

  /**
   * One series per label seen, by sum descending then label ascending (§3).
   * A label only gets a row when something was added in range, so "a group
   * with no data in range has no series" (callers only add counts of 1).
   */
  grouped(): SeriesData {
    const entries = [...this.rows.entries()].map(([label, values]) => ({ label, s: serie(values) }));
    entries.sort(
      byCountDescThenText(
        (e) => e.s.sum,
        (e) => e.label,
      ),
    );
    return {
      series: entries.map((e) => e.s),
      series_labels: entries.map((e) => e.label),
      x_values: [...this.timeline.labels],
    };
  }
}

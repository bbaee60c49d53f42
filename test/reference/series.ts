/**
 * Assembling `SeriesData` bodies (§3 series order rules).
 */
import { type SeriesData, serie, type Timeline } from './buckets.js';
import { byCountDescThenText, compareText } from './order.js';

/** Fixed labels (§4 lists them): every series present, in the given order, zeros included; `labels` `{}`. */
export function fixedSeries(x_values: string[], labels: string[], rows: number[][]): SeriesData {
  return { series: rows.map((r) => serie(r)), series_labels: [...labels], x_values: [...x_values] };
}

/** Counts instants per bucket and label; instants outside the range are ignored (§3). */
export class GroupCounter {
  private readonly rows = new Map<string, number[]>();
  /** group_by field → value per label, as (fields, values) so collisions can be settled. */
  private readonly groups = new Map<string, { fields: string[]; values: string[] }>();

  constructor(private readonly timeline: Timeline) {}

  /**
   * `group`: the group_by fields and this item's values (CONTRACT-LIVE-API §6 `labels`).
   * Decision: team labels join values with '|', so two value tuples may share one label
   * (a value holding '|'); the series then takes the labels of the smallest tuple,
   * compared field by field in code-point order.
   */
  add(label: string, ms: number, amount = 1, group?: { fields: string[]; values: string[] }): void {
    const i = this.timeline.indexOf(ms);
    if (i < 0) return;
    if (group !== undefined) {
      const seen = this.groups.get(label);
      const smaller = (a: string[], b: string[]): boolean => {
        for (let k = 0; k < a.length; k++) {
          const c = compareText(a[k] ?? '', b[k] ?? '');
          if (c !== 0) return c < 0;
        }
        return false;
      };
      if (seen === undefined || smaller(group.values, seen.values)) this.groups.set(label, group);
    }
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
    const entries = [...this.rows.entries()].map(([label, values]) => {
      const g = this.groups.get(label);
      const labels = g === undefined ? {} : Object.fromEntries(g.fields.map((f, k) => [f, g.values[k] ?? '']));
      return { label, s: serie(values, labels) };
    });
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

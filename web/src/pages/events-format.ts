// Formatting shared by the Events page and its browser tests (no DOM use), so a test can
// compute exactly what a cell must show for the API's value.

export { formatInstant } from '../lib/format.ts';

/** The stream's `attributes` JSON text as `key=value` pairs (the raw text when not an object). */
export function formatAttributes(json: string): string {
  if (!json) return '';
  try {
    const o = JSON.parse(json) as unknown;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return json;
    return Object.entries(o as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  } catch {
    return json;
  }
}

/** A conversion share as shown: one decimal, "–" when there is nothing to convert from. */
export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–';
}

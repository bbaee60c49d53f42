import type { CsvColumn, CsvShape } from './csv-shape.ts';

// An operation's JSON answer as CSV (RFC 4180): CRLF after every record, a field quoted
// when it holds `,` `"` CR or LF, `"` doubled. Values are written as the JSON has them, with
// no spreadsheet-formula escaping, so the file equals the JSON (docs/decisions.md).

/** True when the text holds `,` `"` CR or LF (a char loop, not a regex: it runs once per cell). */
function needsQuotes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 34 || c === 13 || c === 10) return true;
  }
  return false;
}

export function csvField(text: string): string {
  return needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A JSON value as cell text: strings as they are, numbers in JSON's decimal text, the rest JSON. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // String(n) is JSON's text of a finite number; a non-finite one is null in the JSON answer.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return JSON.stringify(value);
}

/** cellText, quoted when needed (numbers never need it). */
function cell(value: unknown): string {
  return typeof value === 'number' ? cellText(value) : csvField(cellText(value));
}

type Obj = Record<string, unknown>;

const asObject = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function valueAt(row: unknown, path: readonly string[]): unknown {
  let node: unknown = row;
  for (const key of path) node = asObject(node)[key];
  return node;
}

// Records are collected and joined once: appending each to one string built a rope that
// took several times longer to flatten (measured on a year of hours x 50 series).
const joinRecords = (records: string[]): string => `${records.join('\r\n')}\r\n`;

function rowsCsv(columns: readonly CsvColumn[], rows: readonly unknown[]): string {
  const records = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) records.push(columns.map((c) => cell(valueAt(row, c.path))).join(','));
  return joinRecords(records);
}

function seriesCsv(answer: unknown): string {
  const data = asObject(asObject(answer).data);
  const labels = asArray(data.series_labels).map(cellText);
  const series = asArray(data.series).map((s) => asArray(asObject(s).values));
  // One column per series; a series without a label (never expected) still gets a column.
  const records = [['x', ...series.map((_, i) => labels[i] ?? '')].map(csvField).join(',')];
  const xs = asArray(data.x_values);
  const row: (string | number)[] = new Array<string | number>(series.length + 1);
  for (let i = 0; i < xs.length; i++) {
    row[0] = cell(xs[i]);
    for (let j = 0; j < series.length; j++) {
      const v = (series[j] as unknown[])[i];
      // A finite number goes in as is: join writes the same text as String(), without a call.
      row[j + 1] = typeof v === 'number' && Number.isFinite(v) ? v : cell(v);
    }
    records.push(row.join(','));
  }
  return joinRecords(records);
}

/** The CSV text of an answer of the given shape. */
export function toCsv(shape: CsvShape, answer: unknown): string {
  switch (shape.kind) {
    case 'series':
      return seriesCsv(answer);
    case 'object':
      return rowsCsv(shape.columns, [answer]);
    case 'rows': {
      const list = asArray(asObject(answer)[shape.rows]);
      const { nested } = shape;
      const rows = nested === undefined ? list : list.flatMap((group) => asArray(asObject(group)[nested]));
      return rowsCsv(shape.columns, rows);
    }
  }
}

import type { CsvColumn, CsvShape } from './csv-shape.ts';

// An operation's JSON answer as CSV (RFC 4180): CRLF after every record, a field quoted
// when it holds `,` `"` CR or LF, `"` doubled. Values are written as the JSON has them, with
// no spreadsheet-formula escaping, so the file equals the JSON (docs/decisions.md).

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** A JSON value as cell text: strings as they are, numbers in JSON's decimal text, the rest JSON. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type Obj = Record<string, unknown>;

const asObject = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function valueAt(row: unknown, path: readonly string[]): unknown {
  let node: unknown = row;
  for (const key of path) node = asObject(node)[key];
  return node;
}

function rowsCsv(columns: readonly CsvColumn[], rows: readonly unknown[]): string {
  let out = csvRecord(columns.map((c) => c.header));
  for (const row of rows) out += csvRecord(columns.map((c) => cellText(valueAt(row, c.path))));
  return out;
}

function seriesCsv(answer: unknown): string {
  const data = asObject(asObject(answer).data);
  const labels = asArray(data.series_labels).map(cellText);
  const series = asArray(data.series).map((s) => asArray(asObject(s).values));
  // One column per series; a series without a label (never expected) still gets a column.
  const header = ['x', ...series.map((_, i) => labels[i] ?? '')];
  let out = csvRecord(header);
  asArray(data.x_values).forEach((x, i) => {
    out += csvRecord([cellText(x), ...series.map((values) => cellText(values[i]))]);
  });
  return out;
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

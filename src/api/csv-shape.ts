import type { OpenApiDocument, OpenApiOperation } from './openapi.ts';
import { scopeOf } from './scopes.ts';

// Which operations answer CSV, and in which columns, read from the served document's 200
// schemas (issue 11): a new series or row-list operation gets CSV without new code.

type Schema = Record<string, unknown>;

/** A column: its header and the path of the value in a row object. */
export interface CsvColumn {
  header: string;
  path: string[];
}

export type CsvShape =
  /** `{data:{series,series_labels,x_values}}` → `x,<label…>`, one row per x value. */
  | { kind: 'series' }
  /** The answer's one array of objects (`rows`); `nested` = each item's one array of rows. */
  | { kind: 'rows'; rows: string; nested?: string; columns: CsvColumn[] }
  /** An object of scalars (GetFlowStepDetails) → one row. */
  | { kind: 'object'; columns: CsvColumn[] };

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

function resolve(doc: OpenApiDocument, schema: unknown): Schema {
  let node = (schema ?? {}) as Schema;
  for (let hops = 0; typeof node.$ref === 'string' && hops < 32; hops++) {
    let target: unknown = doc;
    for (const part of node.$ref.replace(/^#\//, '').split('/')) target = (target as Schema | undefined)?.[part];
    node = (target ?? {}) as Schema;
  }
  return node;
}

const propertiesOf = (doc: OpenApiDocument, schema: Schema): [string, Schema][] =>
  Object.entries((schema.properties ?? {}) as Record<string, unknown>).map(([k, v]) => [k, resolve(doc, v)]);

const isObjectWithFields = (s: Schema): boolean =>
  (s.type === 'object' || s.properties !== undefined) && Object.keys((s.properties ?? {}) as object).length > 0;

const isArrayOfObjects = (doc: OpenApiDocument, s: Schema): boolean =>
  s.type === 'array' && isObjectWithFields(resolve(doc, s.items));

/**
 * The row object's columns in schema order: nested objects with declared fields flattened
 * with `.` (`from_step.id`); arrays and free-form maps (`labels`) are one column of JSON text.
 */
export function columnsOf(doc: OpenApiDocument, item: Schema, prefix: string[] = []): CsvColumn[] {
  const columns: CsvColumn[] = [];
  for (const [name, prop] of propertiesOf(doc, item)) {
    const path = [...prefix, name];
    if (isObjectWithFields(prop)) columns.push(...columnsOf(doc, prop, path));
    else columns.push({ header: path.join('.'), path });
  }
  return columns;
}

/** The CSV shape of a 200 schema, or undefined when the answer is not a series or rows. */
export function shapeOfSchema(doc: OpenApiDocument, schema: unknown): CsvShape | undefined {
  const root = resolve(doc, schema);
  const props = propertiesOf(doc, root);
  const data = props.find(([k]) => k === 'data')?.[1];
  if (data) {
    const names = new Set(propertiesOf(doc, data).map(([k]) => k));
    if (names.has('series') && names.has('series_labels') && names.has('x_values')) return { kind: 'series' };
  }
  const lists = props.filter(([, s]) => isArrayOfObjects(doc, s));
  if (lists.length === 1) {
    const [rows, list] = lists[0] as [string, Schema];
    const item = resolve(doc, list.items);
    const fields = propertiesOf(doc, item);
    // A list of groups each holding one list of rows (the funnel's result[].values[]):
    // the rows of all groups, one after the other, so every row is a flat record.
    const only = fields.length === 1 ? fields[0] : undefined;
    if (only && isArrayOfObjects(doc, only[1])) {
      return { kind: 'rows', rows, nested: only[0], columns: columnsOf(doc, resolve(doc, only[1].items)) };
    }
    return { kind: 'rows', rows, columns: columnsOf(doc, item) };
  }
  if (lists.length === 0 && props.length > 0 && props.every(([, s]) => SCALARS.has(s.type as string))) {
    return { kind: 'object', columns: columnsOf(doc, root) };
  }
  return undefined;
}

/** Reads only: every GET, and the POSTs of the read scope (stream filters, funnels, values). */
export function isReadOperation(method: string, operation: OpenApiOperation): boolean {
  const m = method.toLowerCase();
  return m === 'get' || (m === 'post' && scopeOf(operation.operationId) === 'read');
}

/** The shape of an operation's CSV answer, or undefined when it has none. */
export function csvShapeOf(doc: OpenApiDocument, method: string, operation: OpenApiOperation): CsvShape | undefined {
  if (!isReadOperation(method, operation)) return undefined;
  const schema = operation.responses?.['200']?.content?.['application/json']?.schema;
  return schema === undefined ? undefined : shapeOfSchema(doc, schema);
}

/** The `text/csv` entry's description: what the columns are. */
export function describeCsv(shape: CsvShape): string {
  if (shape.kind === 'series') {
    return (
      'CSV (RFC 4180, UTF-8, CRLF) of the same answer: header `x` then each series label in ' +
      '`series_labels` order; one row per `x_values` entry with each series\u2019 value at it.'
    );
  }
  const cols = shape.columns.map((c) => `\`${c.header}\``).join(', ');
  const rows =
    shape.kind === 'object'
      ? 'one row: the answer object'
      : shape.nested
        ? `one row per \`${shape.rows}[].${shape.nested}[]\` entry, group after group`
        : `one row per \`${shape.rows}\` entry`;
  return (
    `CSV (RFC 4180, UTF-8, CRLF) of the same answer: ${rows}; columns ${cols}. Nested objects ` +
    'are flattened with `.`, arrays and maps are JSON text, values are unaltered.'
  );
}

/**
 * Adds `text/csv` to the 200 response of every operation that has a CSV shape. Runs on the
 * merged document, before anything else reads it; the JSON entry stays first.
 */
export function addCsvContent(doc: OpenApiDocument): void {
  for (const ops of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const shape = csvShapeOf(doc, method, op);
      const ok = op.responses?.['200'];
      if (!shape || !ok?.content) continue;
      ok.content['text/csv'] = { schema: { type: 'string', description: describeCsv(shape) } };
    }
  }
}

import type { FastifyInstance } from 'fastify';
import { toCsv } from './csv.ts';
import { type CsvShape, csvShapeOf } from './csv-shape.ts';
import type { OpenApiDocument } from './openapi.ts';

// Content negotiation for the CSV answers (issue 11): `Accept` decides between JSON (the
// default) and CSV for the operations that have a CSV shape; errors stay the JSON envelope.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [name, value] = p.split('=').map((s) => s.trim());
      if (name === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? '') ? Number(value) : Number.NaN;
    }
    // A range with a malformed q is ignored rather than guessed at.
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The q of `type/subtype`: that of the most specific range matching it, 0 when none does. */
function qualityOf(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 3 : r.type === type && r.subtype === '*' ? 2 : r.type === '*' ? 1 : 0;
    if (specificity > best && specificity > 0) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/** CSV only when the client prefers it to JSON; ties (`*\/*`, no header) answer JSON. */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const csv = qualityOf(ranges, 'text', 'csv');
  return csv > 0 && csv > qualityOf(ranges, 'application', 'json');
}

/** `conversations-bank-helpdesk`: the operation without its verb, then the path's values. */
export function csvFileName(operationId: string, params: Record<string, string>): string {
  const op = operationId
    .replace(/^Analytics_/, '')
    .replace(/^(Get|List|Compute)(?=[A-Z])/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  const parts = [op, ...Object.values(params)].map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_'));
  return parts.join('-').slice(0, 200);
}

/** The CSV shape of every operation that has one, by operationId. */
export function csvOperations(doc: OpenApiDocument): Map<string, CsvShape> {
  const shapes = new Map<string, CsvShape>();
  for (const ops of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const shape = csvShapeOf(doc, method, op);
      if (shape) shapes.set(op.operationId, shape);
    }
  }
  return shapes;
}

/** Serves `text/csv` for `Accept: text/csv` on the CSV operations. Call before adding routes. */
export function registerCsv(app: FastifyInstance, doc: OpenApiDocument): void {
  const shapes = csvOperations(doc);
  const shapeOf = (operationId: string | undefined) => (operationId ? shapes.get(operationId) : undefined);

  app.addHook('preSerialization', async (req, reply, payload) => {
    const shape = shapeOf(req.routeOptions.config?.operationId);
    if (!shape || reply.statusCode !== 200 || !prefersCsv(req.headers.accept)) return payload;
    const operationId = req.routeOptions.config?.operationId as string;
    const name = csvFileName(operationId, (req.params ?? {}) as Record<string, string>);
    // The CSV text is the body: the reply's JSON serializer (schema or JSON.stringify) steps aside.
    reply
      .serializer((text: unknown) => text as string)
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}.csv"`);
    return toCsv(shape, payload);
  });

  // Caches must keep the JSON and the CSV answer of one address apart.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!shapeOf(req.routeOptions.config?.operationId)) return payload;
    const vary = reply.getHeader('vary');
    if (vary === undefined) reply.header('vary', 'Accept');
    else if (
      !String(vary)
        .split(',')
        .some((v) => v.trim().toLowerCase() === 'accept')
    )
      reply.header('vary', `${String(vary)}, Accept`);
    return payload;
  });
}

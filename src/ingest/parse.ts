import { GrpcCode, invalidArgument, ServiceError } from '../errors.ts';

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_EVENTS = 50_000;

const tooMany = (n: number): ServiceError =>
  new ServiceError(GrpcCode.RESOURCE_EXHAUSTED, `a request holds at most ${MAX_EVENTS} events, got ${n}`);

/**
 * Turns an ingest body into a list of raw events. Accepts NDJSON, a JSON array or
 * `{"events": [...]}` (CONTRACT §1); the content type is a hint, the text decides.
 */
export function parseIngestBody(text: string, contentType: string | undefined): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.length === 0) throw invalidArgument('request body is empty');
  const looksNdjson = (contentType ?? '').includes('ndjson') || trimmed[0] === '{';
  if (trimmed[0] === '[' || !looksNdjson) return fromJson(trimmed);
  // `{"events": [...]}` is a single JSON document that also starts with `{`.
  if (!(contentType ?? '').includes('ndjson') && /^\{\s*"events"\s*:/.test(trimmed)) return fromJson(trimmed);
  return fromNdjson(text);
}

function fromJson(text: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`malformed JSON: ${(e as Error).message}`);
  }
  let list: unknown;
  if (Array.isArray(doc)) list = doc;
  else if (typeof doc === 'object' && doc !== null && 'events' in doc) list = (doc as { events: unknown }).events;
  else throw invalidArgument('body must be NDJSON, a JSON array of events or {"events": [...]}');
  if (!Array.isArray(list)) throw invalidArgument('"events" must be an array');
  if (list.length > MAX_EVENTS) throw tooMany(list.length);
  return list;
}

function fromNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    if (out.length >= MAX_EVENTS) throw tooMany(out.length + 1);
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw invalidArgument(`malformed JSON on line ${lineNo}: ${(e as Error).message}`, [
        { line: lineNo, reason: 'malformed JSON' },
      ]);
    }
  }
  return out;
}

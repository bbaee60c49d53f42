import { invalidArgument } from '../errors.ts';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an ingest body as UTF-8, refusing invalid bytes instead of storing U+FFFD in
 * their place (what a lenient decode does). The 400 names the event and, when it can
 * be told, the field holding the bad bytes.
 */
export function decodeBody(body: Buffer): string {
  try {
    return strict.decode(body);
  } catch {
    const at = firstInvalidByte(body);
    const where = locate(new TextDecoder().decode(body.subarray(0, at)));
    const field = where.field === undefined ? '' : ` in "${where.field}"`;
    throw invalidArgument(`event ${where.index} holds invalid UTF-8${field} (byte ${at}); nothing was stored`, [
      { index: where.index, ...(where.field !== undefined ? { field: where.field } : {}), reason: 'invalid UTF-8' },
    ]);
  }
}

/** Byte offset of the first sequence that is not well-formed UTF-8 (RFC 3629). */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return b.length;
}

type Frame = { kind: 'array'; index: number } | { kind: 'object'; key: string | undefined; expectingKey: boolean };

/**
 * Where a JSON text that stops at `prefix`'s end is: the event index and field. The body
 * is NDJSON (one event per top-level value), an array of events or {"events": [...]}.
 */
export function locate(prefix: string): { index: number; field?: string } {
  const stack: Frame[] = [];
  let topValues = 0;
  let stringStart = -1;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    const top = stack[stack.length - 1];
    if (stringStart >= 0) {
      if (ch === '\\') i++;
      else if (ch === '"') {
        if (top?.kind === 'object' && top.expectingKey) top.key = parseKey(prefix.slice(stringStart, i + 1));
        stringStart = -1;
      }
      continue;
    }
    if (ch === '"') stringStart = i;
    else if (ch === '{') stack.push({ kind: 'object', key: undefined, expectingKey: true });
    else if (ch === '[') stack.push({ kind: 'array', index: 0 });
    else if (ch === '}' || ch === ']') {
      stack.pop();
      if (stack.length === 0) topValues++;
    } else if (ch === ',' && top?.kind === 'array') top.index++;
    else if (ch === ',' && top?.kind === 'object') top.expectingKey = true;
    else if (ch === ':' && top?.kind === 'object') top.expectingKey = false;
  }
  // Between a comma and a colon the bytes are in a key (or outside any string): no field to name.
  const inValue = (f: Frame | undefined): f is Frame & { kind: 'object'; key: string } =>
    f?.kind === 'object' && !f.expectingKey && f.key !== undefined;
  // The event object is the frame after the list (array, {"events": [...]}, or NDJSON).
  let eventAt = 0;
  let index = topValues;
  const [first, second] = stack;
  if (first?.kind === 'array') {
    index = first.index;
    eventAt = 1;
  } else if (first?.kind === 'object' && first.key === 'events' && second?.kind === 'array') {
    index = second.index;
    eventAt = 2;
  }
  const event = stack[eventAt];
  if (!inValue(event)) return { index };
  const inner = stack[eventAt + 1];
  if (event.key === 'attributes' && inValue(inner)) return { index, field: `attributes.${inner.key}` };
  return { index, field: event.key };
}

function parseKey(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

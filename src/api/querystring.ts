import { parse } from 'node:querystring';

/**
 * Query parsing that accepts both array forms of the API (`path=a&path=b` and
 * `path[0]=a&path[1]=b`, see Analytics_GetFlows). Indexed keys are ordered by index.
 */
export function parseQuery(text: string): Record<string, string | string[]> {
  const raw = parse(text);
  const out: Record<string, string | string[]> = {};
  const indexed = new Map<string, { index: number; value: string }[]>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const m = /^(.+)\[(\d*)\]$/.exec(key);
    if (m) {
      const name = m[1] as string;
      const list = indexed.get(name) ?? [];
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) list.push({ index: m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]), value: v });
      indexed.set(name, list);
      continue;
    }
    out[key] = value;
  }
  for (const [name, list] of indexed) {
    list.sort((a, b) => a.index - b.index);
    const existing = out[name];
    const head = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    out[name] = [...head, ...list.map((x) => x.value)];
  }
  return out;
}

/** A repeated scalar parameter (`a=1&a=2`) takes its first value, for every parameter alike. */
export const firstParam = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

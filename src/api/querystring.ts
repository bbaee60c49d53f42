import { parse } from 'node:querystring';

// The comma-separated filter lists of CONTRACT §3: a repeat adds to the list (the union).
const LIST_PARAMS = new Set(['channel_type', 'language']);

/**
 * Query parsing that accepts both array forms of the API (`path=a&path=b` and
 * `path[0]=a&path[1]=b`, see Analytics_GetFlows). Indexed keys are ordered by index.
 * Repeats are settled here, before schema validation (the route schemas type every
 * other parameter as one value, so an array would be a 400 "must be string"): the
 * parameters the served document declares as arrays (`arrayParams`, flows `path`)
 * keep all values, filter lists join them with commas, every other parameter takes
 * its first value (reading 11 of test/reference/README.md).
 * The result has no prototype, so a parameter named `__proto__` is just a name.
 */
export function parseQuery(text: string, arrayParams: ReadonlySet<string>): Record<string, string | string[]> {
  const raw = parse(text);
  const all: Record<string, string[]> = Object.create(null);
  const indexed = new Map<string, { index: number; value: string }[]>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const m = /^(.+)\[(\d*)\]$/.exec(key);
    if (m) {
      const name = m[1] as string;
      const list = indexed.get(name) ?? [];
      for (const v of values) list.push({ index: m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]), value: v });
      indexed.set(name, list);
      continue;
    }
    all[key] = values;
  }
  for (const [name, list] of indexed) {
    list.sort((a, b) => a.index - b.index);
    all[name] = [...(all[name] ?? []), ...list.map((x) => x.value)];
  }
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, values] of Object.entries(all)) {
    if (arrayParams.has(name)) out[name] = values.length === 1 ? (values[0] as string) : values;
    else if (LIST_PARAMS.has(name)) out[name] = values.join(',');
    else out[name] = values[0] as string;
  }
  return out;
}

/** A repeated scalar parameter (`a=1&a=2`) takes its first value, for every parameter alike. */
export const firstParam = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

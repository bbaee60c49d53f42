/** Prometheus text exposition → `name{labels}` → value (labels as printed, in their order). */
export function parsePromText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** Value of one sample, 0 when absent (a counter never incremented is not printed). */
export const sample = (m: Map<string, number>, key: string): number => m.get(key) ?? 0;

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Query } from '../lib/api.ts';
import type { Loaded } from '../lib/use-api.ts';

// The path explorer's model: which prefixes are open (kept in the address), the GetFlows
// answer for each of them, and the tree those answers make.

/** A prefix of steps from the conversation start; [] is the start itself. */
export type Path = readonly string[];

/** GetFlows' FlowStep: a step that directly follows the prefix, or DROPOFF. */
export interface FlowNode {
  id: string;
  occurrences: number;
}

export const DROPOFF = 'DROPOFF';

/** A path as a map key (JSON: step ids may hold any character, separators included). */
export const pathKey = (p: Path): string => JSON.stringify(p);

const isPath = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The `open` address parameter: a JSON list of open paths (invalid text opens nothing). */
export function parseOpen(text: string | null): Path[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    const seen = new Set<string>();
    const out: Path[] = [];
    for (const p of v) {
      if (!isPath(p) || p.length === 0 || seen.has(pathKey(p))) continue;
      seen.add(pathKey(p));
      out.push(p);
    }
    return out;
  } catch {
    return [];
  }
}

export function encodeOpen(open: readonly Path[]): string | undefined {
  return open.length ? JSON.stringify(open) : undefined;
}

const startsWith = (p: Path, prefix: Path): boolean => p.length >= prefix.length && prefix.every((s, i) => p[i] === s);

/** Opens `path`, or closes it with everything below it (a closed branch keeps nothing open). */
export function toggleOpen(open: readonly Path[], path: Path): Path[] {
  const key = pathKey(path);
  if (open.some((p) => pathKey(p) === key)) return open.filter((p) => !startsWith(p, path));
  return [...open, path];
}

export type Level = Loaded<FlowNode[]>;

/**
 * GetFlows for the start and every open path, each fetched once per query (expanding a
 * node fetches only its children; collapsing and reopening costs nothing). A new query
 * (range, filters, bot) drops them all and aborts what is still in flight.
 */
export function useFlowLevels(
  bot: string,
  query: Query,
  paths: readonly Path[],
): { levels: ReadonlyMap<string, Level>; retry: (path: Path) => void } {
  const key = `${bot}\n${JSON.stringify(query)}`;
  const [state, setState] = useState<{ key: string; levels: ReadonlyMap<string, Level> }>({
    key: '',
    levels: new Map(),
  });
  const run = useRef<{ key: string; abort: AbortController; started: Set<string> } | null>(null);
  const wanted = [[], ...paths].map(pathKey);
  // Bumped by retry(): the effect below runs again and refetches what is no longer started.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (run.current?.key !== key) {
      run.current?.abort.abort();
      run.current = { key, abort: new AbortController(), started: new Set() };
    }
    const r = run.current;
    const put = (k: string, level: Level) =>
      setState((s) => {
        const levels = new Map(s.key === key ? s.levels : []);
        levels.set(k, level);
        return { key, levels };
      });
    for (const k of wanted) {
      if (r.started.has(k)) continue;
      r.started.add(k);
      put(k, { state: 'loading' });
      const path = JSON.parse(k) as string[];
      api
        .get<{ nodes: FlowNode[] }>(`/v1/bots/${encodeURIComponent(bot)}/flows`, { ...query, path }, r.abort.signal)
        .then(
          (res) => {
            if (!r.abort.signal.aborted) put(k, { state: 'ready', data: res.nodes });
          },
          (error: unknown) => {
            if (!r.abort.signal.aborted) put(k, { state: 'error', error });
          },
        );
    }
  }, [key, wanted.join('\n'), attempt]);
  useEffect(() => () => run.current?.abort.abort(), []);
  const retry = (path: Path) => {
    run.current?.started.delete(pathKey(path));
    setAttempt((n) => n + 1);
  };
  return { levels: state.key === key ? state.levels : new Map(), retry };
}

/** One row of the explored tree (depth-first, in the API's order within a level). */
export interface TreeRow {
  /** The row's own path: its prefix plus its step (DROPOFF rows: prefix + DROPOFF). */
  path: Path;
  parent: Path;
  id: string;
  occurrences: number;
  /** Conversations that reached the parent (the start: all conversations with a step). */
  parentTotal: number;
  dropoff: boolean;
  open: boolean;
  /** The open node's children, as far as they are known. */
  children: Level | undefined;
}

export const sumOf = (nodes: readonly FlowNode[]): number => nodes.reduce((s, n) => s + n.occurrences, 0);

/** The explored tree: the first steps, then under each open node its children, recursively. */
export function treeRows(levels: ReadonlyMap<string, Level>, open: readonly Path[]): TreeRow[] {
  const openKeys = new Set(open.map(pathKey));
  const rows: TreeRow[] = [];
  const walk = (parent: Path, nodes: readonly FlowNode[], parentTotal: number) => {
    for (const n of nodes) {
      const path = [...parent, n.id];
      const dropoff = n.id === DROPOFF;
      const isOpen = !dropoff && openKeys.has(pathKey(path));
      const children = isOpen ? levels.get(pathKey(path)) : undefined;
      rows.push({ path, parent, id: n.id, occurrences: n.occurrences, parentTotal, dropoff, open: isOpen, children });
      if (children?.state === 'ready') walk(path, children.data, n.occurrences);
    }
  };
  const root = levels.get(pathKey([]));
  if (root?.state === 'ready') walk([], root.data, sumOf(root.data));
  return rows;
}

/** A share as the table shows it: one decimal percent ("" when the parent is empty). */
export function shareText(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '';
}

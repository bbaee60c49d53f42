/**
 * What `npm run bench:query` concludes from its measurements: issue 12's targets per data size,
 * a per-family verdict, and how p50/p95 grow with the data (each run stores its rows in
 * .bench-data/query-results/<events>.json; the growth table reads every size measured so far).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Family } from './query-cases.ts';

export interface ResultRow {
  family: Family;
  endpoint: string;
  variant: string;
  httpP50: number;
  httpP95: number;
  engineP50: number;
  engineP95: number;
  /** The engine's own `elapsed` (chDB native reader), median; NaN when the reader does not say. */
  elapsedP50: number;
  pgP50: number;
}

export interface RunResult {
  events: number;
  bots: number;
  days: number;
  date: string;
  rows: ResultRow[];
}

const RESULTS_DIR = path.resolve('.bench-data', 'query-results');

/** A per-bot read of the bot-analytics family (issue 12: p95 ≤ 15 ms up to 10 M, ≤ 20 ms at 30 M). */
function isPerBotRead(r: Pick<ResultRow, 'family'>): boolean {
  return r.family === 'bot analytics';
}

/**
 * Issue 12's HTTP p95 target in ms for a row at this data size, or undefined when the issue
 * sets none (event streams and funnels keep issue 13's 100 ms).
 */
export function targetP95(r: Pick<ResultRow, 'family' | 'variant'>, events: number): number | undefined {
  if (isPerBotRead(r)) return events > 10_000_000 ? 20 : 15;
  if (r.family === 'flows') return 40;
  // The grouped team conversations (`group_by=…`); the issue sets no size past 10 M.
  if (r.family === 'team usage' && r.variant.includes('group_by') && events <= 10_000_000) return 50;
  if (r.family === 'events' || r.family === 'funnels') return 100;
  return undefined;
}

/** PG/engine p50 the issue asks for at this size: ≥ 2× at 1 M, ≥ 20× from 10 M on. */
export const targetPgRatio = (events: number): number => (events >= 10_000_000 ? 20 : 2);

export function saveRun(run: RunResult): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${run.events}.json`), JSON.stringify(run, null, 1));
}

function loadRuns(): RunResult[] {
  if (!fs.existsSync(RESULTS_DIR)) return [];
  return fs
    .readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), 'utf8')) as RunResult)
    .sort((a, b) => a.events - b.events);
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);
const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(1)}×` : '–');
const millions = (n: number) => `${(n / 1e6).toLocaleString('en-US')} M`;

/** Per family: the worst PG/engine and PG/HTTP ratio at p50, the worst p95 against its target. */
export function familyVerdict(run: RunResult): string[] {
  const lines = [
    '| family | rows | worst PG/engine p50 | worst PG/HTTP p50 | target PG ratio | worst HTTP p95 (target) | worst HTTP/engine p50 | met |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const families = [...new Set(run.rows.map((r) => r.family))];
  for (const f of families) {
    const rows = run.rows.filter((r) => r.family === f);
    const pgEngine = Math.min(...rows.map((r) => ratio(r.pgP50, r.engineP50)).filter(Number.isFinite));
    const pgHttp = Math.min(...rows.map((r) => ratio(r.pgP50, r.httpP50)).filter(Number.isFinite));
    const httpEngine = Math.max(...rows.map((r) => ratio(r.httpP50, r.engineP50)).filter(Number.isFinite));
    const withTarget = rows.filter((r) => targetP95(r, run.events) !== undefined);
    const worst = withTarget.reduce<ResultRow | undefined>(
      (w, r) =>
        w === undefined || r.httpP95 / (targetP95(r, run.events) ?? 1) > w.httpP95 / (targetP95(w, run.events) ?? 1)
          ? r
          : w,
      undefined,
    );
    const p95Met = withTarget.every((r) => r.httpP95 <= (targetP95(r, run.events) ?? Number.POSITIVE_INFINITY));
    const ratioMet = !Number.isFinite(pgHttp) || pgHttp >= targetPgRatio(run.events);
    const worstCell = worst
      ? `${ms(worst.httpP95)} (≤ ${targetP95(worst, run.events)}, ${worst.endpoint} ${worst.variant})`
      : '–';
    lines.push(
      `| ${f} | ${rows.length} | ${x(pgEngine)} | ${x(pgHttp)} | ≥ ${targetPgRatio(run.events)}× | ${worstCell} | ${x(httpEngine)} | ${p95Met && ratioMet ? 'yes' : 'no'} |`,
    );
  }
  return lines;
}

/** HTTP p50 / p95 of every variant at every size measured so far (one column pair per size). */
export function growthTable(): string[] {
  const runs = loadRuns();
  if (runs.length === 0) return [];
  const head = [
    'endpoint',
    'variant',
    ...runs.flatMap((r) => [`${millions(r.events)} p50`, `${millions(r.events)} p95`]),
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const keys = new Map<string, { endpoint: string; variant: string }>();
  for (const run of runs) for (const r of run.rows) keys.set(`${r.endpoint}\u0000${r.variant}`, r);
  for (const [key, k] of keys) {
    const cells = runs.flatMap((run) => {
      const r = run.rows.find((row) => `${row.endpoint}\u0000${row.variant}` === key);
      return r ? [ms(r.httpP50), ms(r.httpP95)] : ['–', '–'];
    });
    lines.push(`| ${k.endpoint} | ${k.variant} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/**
 * `node --import tsx bench/query-report.ts`: the per-family verdict of every size measured so
 * far and the growth table, from the stored results (no engine, no measuring).
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  const out: string[] = [];
  for (const run of loadRuns()) {
    out.push(
      `Per family at ${millions(run.events)} events (${run.bots} bots, ${run.date}):`,
      '',
      ...familyVerdict(run),
      '',
    );
  }
  out.push('Growth with data size (HTTP p50 / p95 in ms):', '', ...growthTable(), '');
  process.stdout.write(out.join('\n'));
}

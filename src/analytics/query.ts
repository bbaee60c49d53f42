import type { AnalyticsReader, RawRow } from '../store/clickhouse/reader.ts';
import { type BotVersion, type Filters, filterSql, rangeParams } from './sql.ts';
import type { TimeRange } from './time-range.ts';

/** What every bot analytics query needs, already parsed and validated by the handler. */
export interface BotScope {
  teamId: string;
  botId: string;
  version: BotVersion;
  range: TimeRange;
  filters: Filters;
}

/**
 * A column parser: turns one JSONEachRow value into its TypeScript value, or throws when
 * the engine sent something else (a broken query, never a user error). 64-bit counts come
 * as JSON numbers on both engines (output_format_json_quote_64bit_integers = 0), but a
 * string of digits is accepted too so a server's default does not break a read.
 */
export type Column<T> = (value: unknown, name: string) => T;

export const num: Column<number> = (v, name) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`column ${name}: expected a number, got ${JSON.stringify(v)}`);
  return n;
};

export const str: Column<string> = (v, name) => {
  if (typeof v !== 'string') throw new Error(`column ${name}: expected a string, got ${JSON.stringify(v)}`);
  return v;
};

export const strs: Column<string[]> = (v, name) => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`column ${name}: expected an array of strings`);
  return v as string[];
};

export const nums: Column<number[]> = (v, name) => {
  if (!Array.isArray(v)) throw new Error(`column ${name}: expected an array of numbers`);
  return v.map((x, i) => num(x, `${name}[${i}]`));
};

export type Columns = Record<string, Column<unknown>>;
export type RowOf<C extends Columns> = { [K in keyof C]: C[K] extends Column<infer T> ? T : never };

/** Parses raw rows by their declared columns; a column missing from a row is an error. */
export function parseRows<C extends Columns>(raw: RawRow[], columns: C): RowOf<C>[] {
  const names = Object.keys(columns) as (keyof C & string)[];
  return raw.map((r) => {
    const out = {} as Record<string, unknown>;
    for (const name of names) out[name] = (columns[name] as Column<unknown>)(r[name], name);
    return out as RowOf<C>;
  });
}

/** One query: its SQL text and parameters built from P, its rows by declared columns. */
export interface QuerySpec<P, C extends Columns> {
  build: (p: P) => { sql: string; params: Record<string, unknown> };
  columns: C;
}

/** A typed query: params in, parsed rows out, the request's abort signal always passed. */
export type Query<P, R> = (reader: AnalyticsReader, p: P, signal: AbortSignal | undefined) => Promise<R[]>;

export function defineQuery<P, C extends Columns>(spec: QuerySpec<P, C>): Query<P, RowOf<C>> {
  return async (reader, p, signal) => parseRows(await reader.rows({ ...spec.build(p), signal }), spec.columns);
}

/** Runs one hand-written SELECT (flows, users, streams) and parses its rows by `columns`. */
export async function selectRows<C extends Columns>(
  reader: AnalyticsReader,
  sql: string,
  params: Record<string, unknown>,
  columns: C,
  signal: AbortSignal | undefined,
): Promise<RowOf<C>[]> {
  return parseRows(await reader.rows({ sql, params, signal }), columns);
}

/** Parameters shared by every bot query: tenant, bot, version, range, time zone. */
export function scopeParams(s: Pick<BotScope, 'teamId' | 'botId' | 'version' | 'range'>): Record<string, unknown> {
  return { team: s.teamId, bot: s.botId, version: s.version, ...rangeParams(s.range) };
}

export const BOT_KEY = 'team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}';

/** Event filters (§7): the event's own channel_type and language. */
export function eventFilters(s: BotScope): { sql: string; params: Record<string, unknown> } {
  return filterSql(s.filters, { channel: 'channel_type', language: 'language' });
}

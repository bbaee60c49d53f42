import type { ClickHouseClient } from '../store/clickhouse/client.ts';
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

/** Runs one SELECT with server-side parameters and returns its rows. */
export async function queryRows<T>(
  ch: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<T[]> {
  const rs = await ch.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    ...(signal ? { abort_signal: signal } : {}),
  });
  return rs.json<T>();
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

import crypto from 'node:crypto';
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { type AttributeFilter, eventValueResolver, filtersSql, VALUELESS_OPERATORS } from './attribute-filters.ts';
import { num, selectRows, str } from './query.ts';
import { type BotVersion, IN_RANGE, rangeParams } from './sql.ts';
import type { TimeRange } from './time-range.ts';

export interface TrackingEventOut {
  id: string;
  event: string;
  bot_id: string;
  version: string;
  user_id: string;
  channel_id: string;
  channel_type: string;
  conversation_id: string;
  attributes: string;
  timestamp: string;
}

/** Keyset position: the last row returned, as (ts, id, seq) — seq makes it total. */
export type StreamPosition = [number, string, number];

/**
 * What a stream selects beyond bot, version and range (CONTRACT-LIVE-API §2): exact
 * matches on event fields (undefined = no condition) and attribute filters, all ANDed.
 */
export interface StreamMatch {
  event?: string | undefined;
  conversationId?: string | undefined;
  userId?: string | undefined;
  campaignId?: string | undefined;
  filters: AttributeFilter[];
}

export const NO_MATCH: StreamMatch = { filters: [] };

const ROW = {
  id: str,
  event_name: str,
  bot_id: str,
  version: str,
  user_id: str,
  channel_id: str,
  channel_type: str,
  conversation_id: str,
  attributes: str,
  ts_ms: num,
  seq: num,
};

/** A page token's content is a position (the HTTP layer checks it after opening the token). */
export const isStreamPosition = (p: unknown): p is StreamPosition =>
  Array.isArray(p) &&
  p.length === 3 &&
  Number.isSafeInteger(p[0]) &&
  typeof p[1] === 'string' &&
  Number.isSafeInteger(p[2]) &&
  (p[2] as number) >= 0;

/**
 * A stable digest of a match, for page-token scopes: a token belongs to its query, so
 * one issued under other filters is refused. Filters are ANDed, so their order does not
 * change the query and does not change the digest; `value` of is_set/is_not_set is
 * ignored by the filter and left out here too.
 */
export function matchDigest(m: StreamMatch): string {
  const filters = m.filters
    .map((f) => JSON.stringify([f.key, f.operator, f.type, VALUELESS_OPERATORS.has(f.operator) ? [] : f.value]))
    .sort();
  const canonical = JSON.stringify([
    m.event ?? null,
    m.conversationId ?? null,
    m.userId ?? null,
    m.campaignId ?? null,
    filters,
  ]);
  return crypto.createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** WHERE fragment (leading AND) of a match's exact conditions and filters. */
function matchSql(m: StreamMatch): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const exact: [string | undefined, string, string][] = [
    [m.event, 'event_name', 'm_event'],
    [m.conversationId, 'conversation_id', 'm_conv'],
    [m.userId, 'user_id', 'm_user'],
    [m.campaignId, 'campaign_id', 'm_campaign'],
  ];
  for (const [value, col, pname] of exact) {
    if (value === undefined) continue;
    parts.push(`${col} = {${pname}:String}`);
    params[pname] = value;
  }
  if (m.filters.length > 0) {
    const f = filtersSql(m.filters, 'mf', eventValueResolver);
    parts.push(f.sql);
    Object.assign(params, f.params);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

/**
 * Tracking events of a team in range ordered by (timestamp, id), keyset-paged on
 * (ts, id, seq): a page starts strictly after the last row of the previous one, so
 * rows with equal timestamps straddling a boundary are neither skipped nor repeated,
 * and rows ingested meanwhile after the position still show up. `botId` and `version`
 * narrow it to one bot's stream; without them it is the team's (both versions).
 */
export async function listTrackingEvents(
  reader: AnalyticsReader,
  args: {
    teamId: string;
    botId?: string | undefined;
    version?: BotVersion | undefined;
    range: TimeRange;
    match?: StreamMatch | undefined;
    pageSize: number;
    /** Start strictly after this row (the previous page's last). */
    after: StreamPosition | undefined;
  },
  signal: AbortSignal | undefined,
): Promise<{ events: TrackingEventOut[]; next: StreamPosition | undefined }> {
  const { teamId, botId, version, range, pageSize, after: pos } = args;
  const after =
    pos === undefined
      ? ''
      : 'AND (ts, id, seq) > (fromUnixTimestamp64Milli({a_ts:Int64}), {a_id:String}, {a_seq:UInt64})';
  const match = matchSql(args.match ?? NO_MATCH);
  const rows = await selectRows(
    reader,
    `SELECT id, event_name, bot_id, version, user_id, channel_id, channel_type,
                   conversation_id, attributes, toUnixTimestamp64Milli(ts) AS ts_ms, seq
            FROM events
            WHERE team_id = {team:String}
              ${botId === undefined ? '' : 'AND bot_id = {bot:String}'}
              ${version === undefined ? '' : 'AND version = {version:String}'}
              AND type = 'tracking' AND ${IN_RANGE('ts')} ${after}${match.sql}
            ORDER BY ts, id, seq
            LIMIT {limit:UInt32}`,
    {
      ...rangeParams(range),
      ...match.params,
      team: teamId,
      ...(botId === undefined ? {} : { bot: botId }),
      ...(version === undefined ? {} : { version }),
      limit: pageSize + 1,
      ...(pos ? { a_ts: pos[0], a_id: pos[1], a_seq: pos[2] } : {}),
    },
    ROW,
    signal,
  );
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const more = rows.length > pageSize && last !== undefined;
  return {
    events: page.map((r) => ({
      id: r.id,
      event: r.event_name,
      bot_id: r.bot_id,
      version: r.version,
      user_id: r.user_id,
      channel_id: r.channel_id,
      channel_type: r.channel_type,
      conversation_id: r.conversation_id,
      attributes: r.attributes,
      timestamp: new Date(r.ts_ms).toISOString(),
    })),
    next: more ? [last.ts_ms, last.id, last.seq] : undefined,
  };
}

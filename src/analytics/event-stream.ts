import type { ClickHouseClient } from '../store/clickhouse/client.ts';
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

interface Row {
  id: string;
  event_name: string;
  user_id: string;
  channel_id: string;
  channel_type: string;
  conversation_id: string;
  attributes: string;
  ts_ms: number;
  seq: number;
}

/** A page token's content is a position (the HTTP layer checks it after opening the token). */
export const isStreamPosition = (p: unknown): p is StreamPosition =>
  Array.isArray(p) &&
  p.length === 3 &&
  Number.isSafeInteger(p[0]) &&
  typeof p[1] === 'string' &&
  Number.isSafeInteger(p[2]) &&
  (p[2] as number) >= 0;

/**
 * Tracking events of bot+version in range ordered by (timestamp, id), keyset-paged on
 * (ts, id, seq): a page starts strictly after the last row of the previous one, so
 * rows with equal timestamps straddling a boundary are neither skipped nor repeated,
 * and rows ingested meanwhile after the position still show up.
 */
export async function listTrackingEvents(
  ch: ClickHouseClient,
  args: {
    teamId: string;
    botId: string;
    version: BotVersion;
    range: TimeRange;
    pageSize: number;
    /** Start strictly after this row (the previous page's last). */
    after: StreamPosition | undefined;
  },
  signal?: AbortSignal,
): Promise<{ events: TrackingEventOut[]; next: StreamPosition | undefined }> {
  const { teamId, botId, version, range, pageSize, after: pos } = args;
  const after =
    pos === undefined
      ? ''
      : 'AND (ts, id, seq) > (fromUnixTimestamp64Milli({a_ts:Int64}), {a_id:String}, {a_seq:UInt64})';
  const rs = await ch.query({
    query: `SELECT id, event_name, user_id, channel_id, channel_type, conversation_id, attributes,
                   toUnixTimestamp64Milli(ts) AS ts_ms, seq
            FROM events
            WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
              AND type = 'tracking' AND ${IN_RANGE('ts')} ${after}
            ORDER BY ts, id, seq
            LIMIT {limit:UInt32}`,
    query_params: {
      ...rangeParams(range),
      team: teamId,
      bot: botId,
      version,
      limit: pageSize + 1,
      ...(pos ? { a_ts: pos[0], a_id: pos[1], a_seq: pos[2] } : {}),
    },
    format: 'JSONEachRow',
    ...(signal ? { abort_signal: signal } : {}),
  });
  const rows = await rs.json<Row>();
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const more = rows.length > pageSize && last !== undefined;
  return {
    events: page.map((r) => ({
      id: r.id,
      event: r.event_name,
      bot_id: botId,
      version,
      user_id: r.user_id,
      channel_id: r.channel_id,
      channel_type: r.channel_type,
      conversation_id: r.conversation_id,
      attributes: r.attributes,
      timestamp: new Date(Number(r.ts_ms)).toISOString(),
    })),
    next: more ? [Number(last.ts_ms), last.id, Number(last.seq)] : undefined,
  };
}

import crypto from 'node:crypto';
import { GrpcCode, ServiceError } from '../errors.ts';
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import type { ControlDb } from '../store/control/db.ts';
import { num, parseRows, str } from './query.ts';

export interface EventDefinition {
  id: string;
  /** The bot's team (CONTRACT-LIVE-API §6). */
  team_id: string;
  bot_id: string;
  event: string;
  description: string;
  created_at: string;
  /** Absent when the name was never seen in ingested tracking events (CONTRACT §7). */
  last_seen_at?: string;
  volume_30_day: number;
}

const DAY_MS = 86_400_000;

/**
 * Ids derive from (bot, name), so an auto-discovered name keeps its id when listed
 * again, and a created definition has the same id shape; nothing needs materialising.
 */
export const definitionId = (botId: string, event: string): string =>
  `evd_${crypto.createHash('sha256').update(`${botId}\u0000${event}`).digest('hex').slice(0, 24)}`;

interface SeenRow {
  bot_id: string;
  event_name: string;
  first_ms: number;
  last_ms: number;
  volume: number;
}

/**
 * Tracking-event names (both versions) with last sighting and (now − 30 d, now] volume,
 * per bot: of one bot, or of every bot of the team when `botId` is undefined.
 */
async function seenNames(
  reader: AnalyticsReader,
  teamId: string,
  botId: string | undefined,
  nowMs: number,
): Promise<SeenRow[]> {
  const rows = await reader.rows({
    sql: `SELECT toString(bot_id) AS bot_id, toString(event_name) AS event_name,
                   toUnixTimestamp64Milli(min(ingested_at)) AS first_ms,
                   toUnixTimestamp64Milli(max(ts)) AS last_ms,
                   countIf(ts > fromUnixTimestamp64Milli({from_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({now_ms:Int64})) AS volume
            FROM events
            WHERE team_id = {team:String} AND type = 'tracking'
              ${botId === undefined ? '' : 'AND bot_id = {bot:String}'}
            GROUP BY bot_id, event_name`,
    params: {
      team: teamId,
      now_ms: nowMs,
      from_ms: nowMs - 30 * DAY_MS,
      ...(botId === undefined ? {} : { bot: botId }),
    },
    signal: undefined,
  });
  return parseRows(rows, { bot_id: str, event_name: str, first_ms: num, last_ms: num, volume: num });
}

// Code-point order (= UTF-8 bytes), the same in every locale and in the keyset token comparison.
const textOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Created definitions (control store) merged with the names seen in ingest, for the
 * given bots of the team, ordered by bot then event.
 */
async function definitionsOf(
  db: ControlDb,
  reader: AnalyticsReader,
  teamId: string,
  botIds: readonly string[],
  oneBot: boolean,
  nowMs: number,
): Promise<EventDefinition[]> {
  if (botIds.length === 0) return [];
  const [created, seen] = await Promise.all([
    db
      .selectFrom('event_definitions')
      .selectAll()
      .where('bot_id', 'in', [...botIds])
      .execute(),
    seenNames(reader, teamId, oneBot ? botIds[0] : undefined, nowMs),
  ]);
  const owned = new Set(botIds);
  const byKey = new Map<string, EventDefinition>();
  const key = (bot: string, event: string) => JSON.stringify([bot, event]);
  for (const r of created) {
    byKey.set(key(r.bot_id, r.event), {
      id: r.id,
      team_id: teamId,
      bot_id: r.bot_id,
      event: r.event,
      description: r.description,
      created_at: r.created_at,
      volume_30_day: 0,
    });
  }
  for (const s of seen) {
    if (!owned.has(s.bot_id)) continue;
    const def = byKey.get(key(s.bot_id, s.event_name)) ?? {
      id: definitionId(s.bot_id, s.event_name),
      team_id: teamId,
      bot_id: s.bot_id,
      event: s.event_name,
      description: '',
      // A discovered name was "created" when its first event was accepted.
      created_at: new Date(s.first_ms).toISOString(),
      volume_30_day: 0,
    };
    def.last_seen_at = new Date(s.last_ms).toISOString();
    def.volume_30_day = s.volume;
    byKey.set(key(s.bot_id, s.event_name), def);
  }
  return [...byKey.values()].sort((a, b) => textOrder(a.bot_id, b.bot_id) || textOrder(a.event, b.event));
}

/** Every definition of the bot (created + discovered), ordered by `event`. */
export async function listDefinitions(
  db: ControlDb,
  reader: AnalyticsReader,
  teamId: string,
  botId: string,
  nowMs = Date.now(),
): Promise<EventDefinition[]> {
  return definitionsOf(db, reader, teamId, [botId], true, nowMs);
}

/**
 * Every definition of the team's bots (Analytics_ListTeamEventDefinitions), ordered by
 * bot then event; `botId` keeps one bot (the caller has checked it is the team's).
 */
export async function listTeamDefinitions(
  db: ControlDb,
  reader: AnalyticsReader,
  teamId: string,
  botIds: readonly string[],
  nowMs = Date.now(),
): Promise<EventDefinition[]> {
  return definitionsOf(db, reader, teamId, botIds, botIds.length === 1, nowMs);
}

export async function createDefinition(
  db: ControlDb,
  reader: AnalyticsReader,
  teamId: string,
  botId: string,
  event: string,
  description: string,
  nowMs = Date.now(),
): Promise<EventDefinition> {
  const seen = (await seenNames(reader, teamId, botId, nowMs)).find((s) => s.event_name === event);
  const conflict = () =>
    new ServiceError(GrpcCode.ALREADY_EXISTS, `event definition "${event}" already exists for this bot`, {
      details: [{ parameter: 'event', reason: 'already exists' }],
    });
  if (seen) throw conflict();
  const def: EventDefinition = {
    id: definitionId(botId, event),
    team_id: teamId,
    bot_id: botId,
    event,
    description,
    created_at: new Date(nowMs).toISOString(),
    volume_30_day: 0,
  };
  const inserted = await db
    .insertInto('event_definitions')
    .values({ id: def.id, bot_id: botId, event, description, created_at: def.created_at })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw conflict();
  return def;
}

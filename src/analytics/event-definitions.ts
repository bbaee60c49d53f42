import crypto from 'node:crypto';
import { GrpcCode, ServiceError } from '../errors.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';

export interface EventDefinition {
  id: string;
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
  event_name: string;
  first_ms: number;
  last_ms: number;
  volume: number;
}

/** Tracking-event names of the bot (both versions) with last sighting and (now − 30 d, now] volume. */
async function seenNames(ch: ClickHouseClient, teamId: string, botId: string, nowMs: number): Promise<SeenRow[]> {
  const rs = await ch.query({
    query: `SELECT event_name,
                   toUnixTimestamp64Milli(min(ingested_at)) AS first_ms,
                   toUnixTimestamp64Milli(max(ts)) AS last_ms,
                   countIf(ts > fromUnixTimestamp64Milli({from_ms:Int64}) AND ts <= fromUnixTimestamp64Milli({now_ms:Int64})) AS volume
            FROM events
            WHERE team_id = {team:String} AND bot_id = {bot:String} AND type = 'tracking'
            GROUP BY event_name`,
    query_params: { team: teamId, bot: botId, now_ms: nowMs, from_ms: nowMs - 30 * DAY_MS },
    format: 'JSONEachRow',
  });
  return (await rs.json<SeenRow>()).map((r) => ({
    event_name: r.event_name,
    first_ms: Number(r.first_ms),
    last_ms: Number(r.last_ms),
    volume: Number(r.volume),
  }));
}

/** Every definition of the bot (created + discovered), ordered by `event`. */
export async function listDefinitions(
  db: ControlDb,
  ch: ClickHouseClient,
  teamId: string,
  botId: string,
  nowMs = Date.now(),
): Promise<EventDefinition[]> {
  const [created, seen] = await Promise.all([
    db.selectFrom('event_definitions').selectAll().where('bot_id', '=', botId).execute(),
    seenNames(ch, teamId, botId, nowMs),
  ]);
  const byName = new Map<string, EventDefinition>();
  for (const r of created) {
    byName.set(r.event, {
      id: r.id,
      bot_id: botId,
      event: r.event,
      description: r.description,
      created_at: r.created_at,
      volume_30_day: 0,
    });
  }
  for (const s of seen) {
    const def = byName.get(s.event_name) ?? {
      id: definitionId(botId, s.event_name),
      bot_id: botId,
      event: s.event_name,
      description: '',
      // A discovered name was "created" when its first event was accepted.
      created_at: new Date(s.first_ms).toISOString(),
      volume_30_day: 0,
    };
    def.last_seen_at = new Date(s.last_ms).toISOString();
    def.volume_30_day = s.volume;
    byName.set(s.event_name, def);
  }
  // Code-point order, the same in every locale and in the keyset token comparison.
  return [...byName.values()].sort((a, b) => (a.event < b.event ? -1 : a.event > b.event ? 1 : 0));
}

export async function createDefinition(
  db: ControlDb,
  ch: ClickHouseClient,
  teamId: string,
  botId: string,
  event: string,
  description: string,
  nowMs = Date.now(),
): Promise<EventDefinition> {
  const seen = (await seenNames(ch, teamId, botId, nowMs)).find((s) => s.event_name === event);
  const conflict = () =>
    new ServiceError(GrpcCode.ALREADY_EXISTS, `event definition "${event}" already exists for this bot`, {
      details: [{ parameter: 'event', reason: 'already exists' }],
    });
  if (seen) throw conflict();
  const def: EventDefinition = {
    id: definitionId(botId, event),
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

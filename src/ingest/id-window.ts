import { sql, type Transaction } from 'kysely';
import type { ControlDb } from '../store/control/db.ts';
import { chunks, isPostgres } from '../store/control/dialect.ts';
import type { ControlDatabase } from '../store/control/schema.ts';

export const DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One client id of a flush: (bot, id). */
export interface IdKey {
  botId: string;
  id: string;
}

export const idKey = (botId: string, id: string): string => `${botId}\u0000${id}`;

/**
 * An id as stored: JSON string escaping (injective), because PostgreSQL text cannot hold
 * U+0000 and a client id may. The same on SQLite, so both stores hold the same values.
 */
const storedId = (id: string): string => JSON.stringify(id).slice(1, -1);
const idOfStored = (stored: string): string => JSON.parse(`"${stored}"`) as string;

/**
 * Records the flush's client ids in the shared window and answers those that are new
 * (CONTRACT §1: an id accepted for the bot in the last 24 h, by acceptance time, is a
 * duplicate). The primary key (bot_id, id) does the work across replicas: a concurrent
 * insert of the same id waits for the other transaction and then conflicts, so exactly
 * one of them accepts it. An id older than the window is taken again (its row is
 * re-stamped). Ids are inserted sorted, so two flushes lock shared ids in one order.
 * `ids` must hold each (bot, id) once.
 */
export async function acceptIds(
  trx: Transaction<ControlDatabase>,
  ids: readonly IdKey[],
  nowMs: number,
): Promise<Set<string>> {
  const fresh = new Set<string>();
  if (ids.length === 0) return fresh;
  const sorted = [...ids].sort((a, b) =>
    a.botId < b.botId ? -1 : a.botId > b.botId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const cutoff = nowMs - DEDUPE_WINDOW_MS;
  // One short statement per chunk with the ids as one array parameter (PostgreSQL unnest,
  // SQLite json_each): a multi-row VALUES list costs more to build than to run (measured:
  // 16 k ids 1.3-2x faster on SQLite).
  const pg = isPostgres(trx);
  for (const part of chunks(sorted, 20_000)) {
    const bots = part.map((k) => k.botId);
    const ids = part.map((k) => storedId(k.id));
    const source = pg
      ? sql`SELECT b, i, ${nowMs}::bigint FROM unnest(${bots}::text[], ${ids}::text[]) WITH ORDINALITY AS t(b, i, n) ORDER BY n`
      : sql`SELECT value->>0, value->>1, ${nowMs} FROM json_each(${JSON.stringify(part.map((k, n) => [k.botId, ids[n]]))}) WHERE true`;
    const { rows } = await sql<{ bot_id: string; id: string }>`
      INSERT INTO ingest_ids (bot_id, id, accepted_at) ${source}
      ON CONFLICT (bot_id, id) DO UPDATE SET accepted_at = excluded.accepted_at
        WHERE ingest_ids.accepted_at <= ${cutoff}
      RETURNING bot_id, id`.execute(trx);
    for (const r of rows) fresh.add(idKey(r.bot_id, idOfStored(r.id)));
  }
  return fresh;
}

/** Drops ids past the window, a bounded slice at a time (any replica may run it). */
export async function pruneIds(db: ControlDb, nowMs: number, limit = 50_000): Promise<number> {
  const cutoff = nowMs - DEDUPE_WINDOW_MS;
  const res = await db
    .deleteFrom('ingest_ids')
    .where(
      sql<boolean>`(bot_id, id) IN (SELECT bot_id, id FROM ingest_ids WHERE accepted_at <= ${cutoff} LIMIT ${limit})`,
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

import { sql, type Transaction } from 'kysely';
import type { ControlDb } from '../store/control/db.ts';
import { chunks } from '../store/control/dialect.ts';
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
  for (const part of chunks(sorted)) {
    const rows = await trx
      .insertInto('ingest_ids')
      .values(part.map((k) => ({ bot_id: k.botId, id: storedId(k.id), accepted_at: nowMs })))
      .onConflict((oc) =>
        oc
          .columns(['bot_id', 'id'])
          .doUpdateSet({ accepted_at: (eb) => eb.ref('excluded.accepted_at') })
          .where('ingest_ids.accepted_at', '<=', cutoff),
      )
      .returning(['bot_id', 'id'])
      .execute();
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

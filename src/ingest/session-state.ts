import { sql, type Transaction } from 'kysely';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';
import { chunks, isPostgres } from '../store/control/dialect.ts';
import type { ControlDatabase } from '../store/control/schema.ts';

/** A conversation the sessionizer knows for one (bot, version, user, channel) key. */
export interface Conv {
  id: string;
  startMs: number;
  lastMs: number;
}

/** Sessionizer-made ids carry this prefix so lookups can tell them from client ids. */
export const SESSION_ID_PREFIX = 'sess_';
/** Per key we keep the few most recent conversations: enough to place late events. */
export const CONVS_PER_KEY = 4;
/**
 * A key whose newest event is older than this (event time) leaves the control store.
 * An event of such a key, or of a key the store never held, older than this (plus the
 * gap) is placed by a lookup in the analytics store instead, so the answer is the same.
 */
export const SESSION_STATE_RETENTION_MS = 30 * 86_400_000;
const COMPLETE_KEY = 'ingest_sessions_complete';

type Row = [id: string, startMs: number, lastMs: number];
const parse = (json: string): Conv[] =>
  (JSON.parse(json) as Row[]).map(([id, startMs, lastMs]) => ({ id, startMs, lastMs }));
const serialize = (convs: readonly Conv[]): string => JSON.stringify(convs.map((c) => [c.id, c.startMs, c.lastMs]));

/**
 * True when the control store has held the session state of every conversation since
 * the analytics store was empty (a store created by this version). A store upgraded from
 * an earlier version has conversations only the analytics store knows, so keys new to the
 * control store are looked up there. Once true it stays true.
 */
export async function sessionStateComplete(db: ControlDb, ch: ClickHouseClient): Promise<boolean> {
  const row = await db.selectFrom('kv').select('value').where('key', '=', COMPLETE_KEY).executeTakeFirst();
  if (row) return row.value === '1';
  const rs = await ch.query({
    query: 'SELECT count() AS n FROM (SELECT 1 FROM events LIMIT 1)',
    format: 'JSONEachRow',
  });
  const [first] = await rs.json<{ n: number | string }>();
  if (Number(first?.n ?? 0) > 0) return false;
  await db
    .insertInto('kv')
    .values({ key: COMPLETE_KEY, value: '1' })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return true;
}

/**
 * The session state of one flush, read inside its control-store transaction. `ensure`
 * locks the keys (PostgreSQL: a row lock per key, taken in key order, so two replicas
 * sessionizing one user wait for each other and see each other's conversations; SQLite:
 * the transaction is the one writer) and loads them; `save` writes the changed keys back
 * in the same transaction.
 */
export class SessionState {
  private readonly loaded = new Map<string, Conv[]>();

  constructor(
    private readonly trx: Transaction<ControlDatabase>,
    private readonly ch: ClickHouseClient,
    private readonly gapMs: number,
    private readonly nowMs: number,
    private readonly complete: boolean,
  ) {}

  get(key: string): readonly Conv[] {
    return this.loaded.get(key) ?? [];
  }

  /** Locks and loads `keys` (key → the earliest event time the flush has for it). */
  async ensure(keys: ReadonlyMap<string, number>): Promise<void> {
    const wanted = [...keys.keys()].filter((k) => !this.loaded.has(k)).sort();
    if (wanted.length === 0) return;
    // A row per key first (placeholders for new keys), so a key new to both replicas is
    // locked like any other: the second insert waits for the first commit.
    const created = new Set<string>();
    for (const part of chunks(wanted)) {
      const rows = await this.trx
        .insertInto('ingest_sessions')
        .values(part.map((k) => ({ k, last_ms: 0, convs: '[]' })))
        .onConflict((oc) => oc.column('k').doNothing())
        .returning('k')
        .execute();
      for (const r of rows) created.add(r.k);
    }
    const existing = wanted.filter((k) => !created.has(k));
    const pg = isPostgres(this.trx);
    for (const part of chunks(existing)) {
      const q = this.trx.selectFrom('ingest_sessions').select(['k', 'convs']).where('k', 'in', part);
      const rows = pg ? await q.orderBy('k').forUpdate().execute() : await q.execute();
      for (const r of rows) this.loaded.set(r.k, parse(r.convs));
    }
    const lookup: string[] = [];
    const oldest = this.nowMs - SESSION_STATE_RETENTION_MS + this.gapMs;
    for (const k of created) {
      this.loaded.set(k, []);
      if (!this.complete || (keys.get(k) ?? this.nowMs) < oldest) lookup.push(k);
    }
    if (lookup.length > 0) await this.loadFromAnalytics(lookup);
  }

  /** Writes the flush's changed keys (same transaction as its outbox row). */
  async save(changes: ReadonlyMap<string, readonly Conv[]>): Promise<void> {
    const rows = [...changes].map(([k, convs]) => ({
      k,
      last_ms: convs.reduce((m, c) => Math.max(m, c.lastMs), 0),
      convs: serialize(convs),
    }));
    rows.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    for (const part of chunks(rows)) {
      await this.trx
        .insertInto('ingest_sessions')
        .values(part)
        .onConflict((oc) =>
          oc.column('k').doUpdateSet({
            convs: (eb) => eb.ref('excluded.convs'),
            last_ms: (eb) => eb.ref('excluded.last_ms'),
          }),
        )
        .execute();
    }
  }

  /** The keys' most recent sessionized conversations as the analytics store has them. */
  private async loadFromAnalytics(keys: string[]): Promise<void> {
    const parts = keys.map((k) => JSON.parse(k) as [string, string, string, string]);
    const bots = [...new Set(parts.map((p) => p[0] ?? ''))];
    const users = [...new Set(parts.map((p) => p[2] ?? ''))];
    const wanted = new Set(keys);
    const result = await this.ch.query({
      // FINAL merges each conversation's partial rows first, so start/end are its true ones.
      query: `SELECT bot_id, version, first.2 AS uid, first.3 AS channel, conversation_id,
                     toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS last_ms
              FROM conversation_summary FINAL
              WHERE bot_id IN {bots:Array(String)} AND uid IN {users:Array(String)}
                AND startsWith(conversation_id, {prefix:String})
              ORDER BY last_ms DESC LIMIT ${CONVS_PER_KEY} BY bot_id, version, uid, channel`,
      query_params: { bots, users, prefix: SESSION_ID_PREFIX },
      format: 'JSONCompactEachRow',
    });
    const rows = await result.json<[string, string, string, string, string, number | string, number | string]>();
    for (const [bot, version, user, channel, id, startMs, lastMs] of rows) {
      const key = JSON.stringify([bot, version, user, channel]);
      if (!wanted.has(key)) continue;
      // Rows come newest first; the state keeps oldest first.
      this.loaded.get(key)?.unshift({ id, startMs: Number(startMs), lastMs: Number(lastMs) });
    }
  }
}

/** Drops keys idle past the retention, a bounded slice at a time (any replica may run it). */
export async function pruneSessions(db: ControlDb, nowMs: number, limit = 50_000): Promise<number> {
  const cutoff = nowMs - SESSION_STATE_RETENTION_MS;
  const res = await db
    .deleteFrom('ingest_sessions')
    .where(sql<boolean>`k IN (SELECT k FROM ingest_sessions WHERE last_ms < ${cutoff} LIMIT ${limit})`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

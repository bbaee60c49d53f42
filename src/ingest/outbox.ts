import type { ClickHouseSettings } from '@clickhouse/client';
import { sql, type Transaction } from 'kysely';
import type { Logger } from '../log.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import { insertSettings } from '../store/clickhouse/insert-settings.ts';
import type { ControlDb } from '../store/control/db.ts';
import { isPostgres } from '../store/control/dialect.ts';
import type { ControlDatabase } from '../store/control/schema.ts';
import { EVENT_COLUMNS } from './rows.ts';

/** A batch not moved this long after its commit was left behind (its replica died or the store was down). */
export const ORPHAN_AFTER_MS = 10_000;
/** How long a mover holds a claimed batch; past it another replica may take it over. */
const LEASE_MS = 60_000;
const MOVE_EVERY_MS = 2_000;
/** Batches one mover claims per round. */
const CLAIM_BATCH = 8;

const INSERT_HEAD = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})`;

/** Records a committed, sessionized batch (the insert body) in the flush's transaction. */
export async function writeOutbox(
  trx: Transaction<ControlDatabase>,
  batch: { id: string; payload: string; events: number },
  nowMs: number,
): Promise<void> {
  await trx
    .insertInto('ingest_outbox')
    .values({ batch_id: batch.id, created_at: nowMs, events: batch.events, payload: batch.payload })
    .execute();
}

/** A setting's value as a SQL literal (strings quoted, `'` doubled). */
const literal = (v: unknown): string =>
  typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? '1' : '0') : `'${String(v).replaceAll("'", "''")}'`;

/**
 * Inserts a batch into the analytics store. The batch id is the insert's deduplication
 * token, so moving a batch twice (a mover retrying what the flush already inserted before
 * it died) stores it once, in `events` and in every materialized view.
 *
 * The settings go in the statement's own SETTINGS clause, not in the request's settings:
 * chdb/connection turns request settings into session-wide `SET`s on the one session every
 * query shares, so a concurrent insert (the mover beside the flush) or a read could swap
 * the token between `SET` and `INSERT` — a batch inserted under another batch's token is
 * dropped as its duplicate.
 */
export async function insertBatch(
  ch: ClickHouseClient,
  batchId: string,
  payload: string,
  settings: ClickHouseSettings = insertSettings(undefined),
): Promise<void> {
  const all = { ...settings, insert_deduplication_token: batchId };
  const clause = Object.entries(all)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${literal(v)}`)
    .join(', ');
  await ch.command({ query: `${INSERT_HEAD} SETTINGS ${clause} FORMAT JSONCompactEachRow\n${payload}` });
}

export async function deleteOutbox(db: ControlDb, batchIds: readonly string[]): Promise<void> {
  if (batchIds.length === 0) return;
  await db.deleteFrom('ingest_outbox').where('batch_id', 'in', batchIds).execute();
}

/**
 * Moves batches left in the outbox: a replica killed between its commit and its insert,
 * or an insert refused while the analytics store was down. Every replica runs one; a
 * batch is claimed with a lease (SKIP LOCKED on PostgreSQL, so movers never queue on
 * each other's rows) and re-inserted under its own token.
 */
export class OutboxMover {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The orphan age of the next round (0 for the first round on SQLite). */
  private firstRoundAgeMs: number | undefined;
  /** Events waiting in batches older than ORPHAN_AFTER_MS, as of the last round (a cached read). */
  backlogEvents = 0;

  constructor(
    private readonly db: ControlDb,
    private readonly ch: ClickHouseClient,
    private readonly owner: string,
    private readonly log: Logger,
    private readonly settings: ClickHouseSettings = insertSettings(undefined),
  ) {}

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.round()
        .then(
          () => undefined,
          (err: unknown) => this.log.warn({ err }, 'outbox mover round failed; retrying'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, MOVE_EVERY_MS).unref();
        });
    };
    // The first round runs at once: a restarted replica moves what it left behind. On SQLite
    // (the embedded default: one process per store) every batch found at start is an orphan,
    // so it is moved now rather than after the orphan age; a flush committing meanwhile at
    // worst has its batch inserted twice under one token, which stores it once.
    this.firstRoundAgeMs = isPostgres(this.db) ? ORPHAN_AFTER_MS : 0;
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round: claim, move and delete orphaned batches until none is left. */
  async round(nowMs = Date.now()): Promise<number> {
    const orphanAfterMs = this.firstRoundAgeMs ?? ORPHAN_AFTER_MS;
    this.firstRoundAgeMs = undefined;
    let moved = 0;
    for (;;) {
      if (this.stopped) break;
      const claimed = await this.claim(nowMs, orphanAfterMs);
      if (claimed.length === 0) break;
      for (const id of claimed) {
        const row = await this.db
          .selectFrom('ingest_outbox')
          .select(['payload', 'events'])
          .where('batch_id', '=', id)
          .where('lease_owner', '=', this.owner)
          .executeTakeFirst();
        if (!row) continue;
        await insertBatch(this.ch, id, row.payload, this.settings);
        await deleteOutbox(this.db, [id]);
        moved += row.events;
      }
      this.log.info({ batches: claimed.length }, 'moved committed batches left in the outbox');
    }
    const backlog = await this.db
      .selectFrom('ingest_outbox')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('events'), sql<number>`0`).as('n'))
      .where('created_at', '<', Date.now() - ORPHAN_AFTER_MS)
      .executeTakeFirst();
    this.backlogEvents = Number(backlog?.n ?? 0);
    return moved;
  }

  private async claim(nowMs: number, orphanAfterMs: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('ingest_outbox')
        .select('batch_id')
        .where('created_at', '<=', nowMs - orphanAfterMs)
        .where('lease_until', '<', nowMs)
        .orderBy('created_at')
        .limit(CLAIM_BATCH);
      if (isPostgres(trx)) q = q.forUpdate().skipLocked();
      const ids = (await q.execute()).map((r) => r.batch_id);
      if (ids.length === 0) return [];
      await trx
        .updateTable('ingest_outbox')
        .set({ lease_until: nowMs + LEASE_MS, lease_owner: this.owner })
        .where('batch_id', 'in', ids)
        .execute();
      return ids;
    });
  }
}

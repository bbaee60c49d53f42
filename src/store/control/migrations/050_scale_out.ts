import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Issue 10: the control store becomes the ingest's write-ahead log, so no truth lives in
// one process's memory and any number of replicas share it (DESIGN.md "Scale-out").
//
// - ingest_ids: client ids accepted in the last 24 h (CONTRACT §1). The primary key is
//   what makes a concurrent insert of the same id by another replica wait for the first
//   commit and then see a conflict, instead of racing it.
// - ingest_sessions: the sessionizer's state per (bot, version, user, channel) key.
// - ingest_outbox: a sessionized batch, committed with its ids and sessions, until it is
//   in the analytics store (the insert carries the batch id as its deduplication token).
// - ingest seq blocks: one allocation per flush, unique and monotonic across replicas.
// - webhook_deliveries gain a lease, so replicas claim deliveries without sending one twice.

/** Events a flush may hold at most: the seq block size, and the flush cap. */
export const SEQ_BLOCK = 262_144;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('ingest_ids')
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    // Epoch ms of acceptance: the 24 h window counts from here.
    .addColumn('accepted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_ids_pk', ['bot_id', 'id'])
    // SQLite: the primary key is the table (one B-tree per insert, not two).
    .$call((t) => (pg ? t : t.modifyEnd(sql`WITHOUT ROWID`)))
    .execute();
  await db.schema.createIndex('ingest_ids_accepted_idx').on('ingest_ids').column('accepted_at').execute();

  await db.schema
    .createTable('ingest_sessions')
    // JSON [bot, version, user, channel_type]
    .addColumn('k', 'text', (c) => c.primaryKey())
    // The newest event time of the key's conversations (epoch ms), for pruning.
    .addColumn('last_ms', 'bigint', (c) => c.notNull())
    // JSON [[id, startMs, lastMs], ...], the few most recent conversations.
    .addColumn('convs', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ingest_sessions_last_idx').on('ingest_sessions').column('last_ms').execute();

  await db.schema
    .createTable('ingest_outbox')
    .addColumn('batch_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    // The batch as the JSONCompactEachRow body of the insert into `events`.
    .addColumn('payload', 'text', (c) => c.notNull())
    // A mover's claim (epoch ms); 0 = unclaimed.
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('ingest_outbox_created_idx').on('ingest_outbox').column('created_at').execute();

  // Seq blocks start above the clock-based seqs (epoch µs) earlier versions wrote, so the
  // order stays monotonic on an upgraded store.
  const start = Math.ceil((Date.now() * 1000 + 1) / SEQ_BLOCK) * SEQ_BLOCK;
  if (pg) {
    await sql`CREATE SEQUENCE IF NOT EXISTS ingest_seq_blocks INCREMENT BY ${sql.raw(String(SEQ_BLOCK))} START WITH ${sql.raw(String(start))}`.execute(
      db,
    );
  } else {
    await db
      .insertInto('kv' as never)
      .values({ key: 'ingest_seq_next', value: String(start) } as never)
      .execute();
  }

  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('lease_owner', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // Claiming scans pending rows by due time across subscriptions.
  await db.schema
    .createIndex('webhook_deliveries_claim_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_claim_idx').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('lease_owner').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('lease_until').execute();
  for (const t of ['ingest_outbox', 'ingest_sessions', 'ingest_ids']) await db.schema.dropTable(t).execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP SEQUENCE IF EXISTS ingest_seq_blocks`.execute(db);
  }
}

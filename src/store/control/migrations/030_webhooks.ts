import type { Kysely } from 'kysely';

// Issue 5: event definitions, webhook subscriptions, their durable delivery queue and
// attempt log. Portable DDL (text/integer/bigint) so SQLite and PostgreSQL share it.
// Times the dispatcher compares are epoch ms in bigint columns; shown times are ISO text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_definitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The unique index is what makes two concurrent POSTs of one name end in one 409.
  await db.schema
    .createIndex('event_definitions_bot_event_idx')
    .on('event_definitions')
    .columns(['bot_id', 'event'])
    .unique()
    .execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('bot_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_names', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    // Last events.seq handed to the delivery queue: the dispatcher resumes after it.
    .addColumn('cursor_seq', 'bigint', (c) => c.notNull())
    // Epoch ms of the first failure since the last success (5-day disable rule).
    .addColumn('failing_since', 'bigint')
    .addColumn('status_reason', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('subscriptions_bot_idx').on('subscriptions').columns(['bot_id', 'created_at']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    // Also the webhook-id header: stable across retries so receivers can dedupe.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending | delivered | failed (given up: 410, schedule exhausted, subscription disabled)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // One delivery per (subscription, event), whatever a replayed scan enqueues again.
  await db.schema
    .createIndex('webhook_deliveries_sub_seq_idx')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'event_seq'])
    .unique()
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    // 0 when no HTTP answer came back (timeout, refused, guard).
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_attempts_sub_idx')
    .on('webhook_attempts')
    .columns(['subscription_id', 'attempted_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['webhook_attempts', 'webhook_deliveries', 'subscriptions', 'event_definitions']) {
    await db.schema.dropTable(t).execute();
  }
}

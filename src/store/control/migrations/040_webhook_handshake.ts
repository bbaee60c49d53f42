import type { Kysely } from 'kysely';

// Issue 13: the webhook ownership handshake (CONTRACT-LIVE-API §7) and `bot_version` on
// subscriptions (§6). The challenge state lives here, not in memory, so a kill -9 while a
// subscription is VERIFICATION_PENDING resumes its challenges (and, once verified, its
// deliveries from the cursor) at the next start. One ADD COLUMN per statement: SQLite
// takes no more; the defaults keep rows written before this migration valid on both engines.
export async function up(db: Kysely<unknown>): Promise<void> {
  // DRAFT | LIVE: only that version's events are delivered; '' = both.
  await db.schema
    .alterTable('subscriptions')
    .addColumn('bot_version', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // The random challenge sent while VERIFICATION_PENDING (the same one on every attempt).
  await db.schema
    .alterTable('subscriptions')
    .addColumn('challenge', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('subscriptions')
    .addColumn('challenge_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Epoch ms of the next challenge attempt.
  await db.schema
    .alterTable('subscriptions')
    .addColumn('challenge_next_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // notification | webhook_callback_verification | revocation (the X-Message-Type sent).
  await db.schema
    .alterTable('webhook_attempts')
    .addColumn('message_type', 'text', (c) => c.notNull().defaultTo('notification'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_attempts').dropColumn('message_type').execute();
  for (const c of ['challenge_next_at', 'challenge_attempts', 'challenge', 'bot_version']) {
    await db.schema.alterTable('subscriptions').dropColumn(c).execute();
  }
}

/**
 * Stores made by the versions before the squash (issue 10). They recorded one row per
 * migration file in schema_migrations; the files themselves are kept, unchanged, in
 * test/fixtures/clickhouse-v1-migrations so the upgrade is tested from a store they built.
 */
import { DEDUPLICATION_WINDOW_BLOCKS, INSERT_TABLES } from './schema.ts';

/** The file names a complete store of the previous release records, in the order it ran them. */
export const LEGACY_MIGRATIONS: readonly string[] = [
  '001_events.sql',
  '002_conversations.sql',
  '040_team_conversations.sql',
  '050_conversation_facts.sql',
  '051_conversation_summary.sql',
  '060_kb_tags.sql',
];

/**
 * Turns a complete store of the previous release into schema.ts's single-node variant. After
 * 060 its events, conversation_summary and user_first_seen (and their views) already match the
 * live schema; what differs: the dedupe window retried inserts need on every table that
 * receives rows, and the 24 h id window, which moved to the control store, so its ClickHouse
 * copy (ingest_ids and the view filling it) goes. Every statement is idempotent (MODIFY SETTING
 * to the same value, DROP … IF EXISTS), and no data is copied: nothing can be applied twice.
 */
export function legacyUpgradeStatements(): string[] {
  return [
    // The view first, so no insert lands in ingest_ids between the two drops.
    'DROP VIEW IF EXISTS ingest_ids_mv',
    'DROP TABLE IF EXISTS ingest_ids',
    ...INSERT_TABLES.map(
      (t) => `ALTER TABLE ${t} MODIFY SETTING non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW_BLOCKS}`,
    ),
  ];
}

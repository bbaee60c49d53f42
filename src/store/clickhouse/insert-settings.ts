import type { ClickHouseSettings } from '@clickhouse/client';

/**
 * Settings for inserting an outbox batch into `events`; the caller adds
 * `insert_deduplication_token: <batch id>`, so a retried batch is a no-op (schema.ts keeps the
 * dedupe window on `events` and on the views' targets).
 */
export function insertSettings(cluster: string | undefined): ClickHouseSettings {
  const settings: ClickHouseSettings = {
    // A retried block whose original reached `events` must not reach the views' targets twice
    // either: the views dedupe on the source block's token too.
    deduplicate_blocks_in_dependent_materialized_views: 1,
  };
  if (cluster === undefined) return settings;
  return {
    ...settings,
    // A Distributed insert returns once every shard has stored its rows (not once they are
    // queued on the receiving node), so a 200 means stored, and a retry meets the original's
    // block ids on each shard. (insert_distributed_sync is this setting's older name, kept as
    // an alias by current servers.)
    distributed_foreground_insert: 1,
    // Each shard's sub-block carries the same token; a shard with several replicas writes one
    // and replicates it (internal_replication in deploy/clickhouse/config.d/cluster.xml).
  };
}

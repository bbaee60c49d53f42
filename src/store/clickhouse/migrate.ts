import type { ClickHouseClient } from './client.ts';
import { LEGACY_MIGRATIONS, legacyUpgradeStatements } from './legacy-schema.ts';
import { migrationsTableStatement, rollupBackfillStatements, rollupStatements, schemaStatements } from './schema.ts';

/**
 * The name the squashed schema (schema.ts) is recorded under in schema_migrations. A later
 * change to the schema is a new name after it, with its own statements.
 */
export const SCHEMA_MIGRATION = '100_live_schema';

/**
 * The rollups of user messages (issue 12, rollups.ts). A fresh store gets them with the rest
 * of the schema and records both names; a store at 100 gets the tables, their views and a
 * backfill from `events`.
 */
export const ROLLUPS_MIGRATION = '110_rollups';

/** Every name a store this version made records, in order. */
export const CURRENT_MIGRATIONS: readonly string[] = [SCHEMA_MIGRATION, ROLLUPS_MIGRATION];

export interface MigrateAnalyticsOptions {
  /** `CLICKHOUSE_CLUSTER`: create the replicated + distributed variant with ON CLUSTER DDL. */
  cluster?: string | undefined;
  /**
   * Runs `fn` while no other process migrates the same store (withAnalyticsMigrationLock in
   * src/store/control/migration-lock.ts): replicas that start together migrate once (I5).
   * Default: no lock, right only where one process can open the store (embedded chDB, tests).
   */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
}

const unlocked = <T>(fn: () => Promise<T>): Promise<T> => fn();

/** A store this version must not touch; the message says what was found and what to do. */
export class AnalyticsSchemaError extends Error {
  override name = 'AnalyticsSchemaError';
}

export type MigrationPlan = 'up-to-date' | 'create' | 'upgrade-v1' | 'add-rollups';

/**
 * What to do with a store whose schema_migrations holds `recorded` (pure, so every case is
 * table-tested). Throws AnalyticsSchemaError for a store this version cannot bring to its
 * schema: recorded by a newer version, or left half-way by an older one.
 */
export function planAnalyticsMigration(recorded: readonly string[], cluster: string | undefined): MigrationPlan {
  const known = new Set<string>([...CURRENT_MIGRATIONS, ...LEGACY_MIGRATIONS]);
  const unknown = [...new Set(recorded.filter((n) => !known.has(n)))].sort();
  if (unknown.length > 0) {
    throw new AnalyticsSchemaError(
      `the analytics store was migrated by a newer version of chatlayer-analytics: schema_migrations records ` +
        `${unknown.join(', ')}, which this version does not know. Run that version (or a newer one) on this store; ` +
        `this version cannot use it.`,
    );
  }
  const names = new Set(recorded);
  if (names.has(ROLLUPS_MIGRATION) && !names.has(SCHEMA_MIGRATION)) {
    throw new AnalyticsSchemaError(
      `schema_migrations records ${ROLLUPS_MIGRATION} but not ${SCHEMA_MIGRATION}, which no version writes: the ` +
        `store was altered by hand. Delete the ${ROLLUPS_MIGRATION} row so the next start completes the schema.`,
    );
  }
  if (names.has(ROLLUPS_MIGRATION)) return 'up-to-date';
  if (names.has(SCHEMA_MIGRATION)) return 'add-rollups';
  const legacy = LEGACY_MIGRATIONS.filter((n) => names.has(n));
  if (legacy.length === 0) return 'create';
  if (legacy.length < LEGACY_MIGRATIONS.length) {
    const missing = LEGACY_MIGRATIONS.filter((n) => !names.has(n));
    throw new AnalyticsSchemaError(
      `the analytics store was left half-migrated by an older version: schema_migrations records ` +
        `${legacy.join(', ')} but not ${missing.join(', ')}. Start the previous release once on this store so it ` +
        `completes its own migrations (it records all of ${LEGACY_MIGRATIONS.join(', ')}), then start this version, ` +
        `which upgrades such a store.`,
    );
  }
  if (cluster !== undefined) {
    throw new AnalyticsSchemaError(
      `CLICKHOUSE_CLUSTER=${cluster} is set, but the analytics store holds the single-node schema of an older ` +
        `version (schema_migrations records ${legacy.join(', ')}). The cluster schema is created on empty nodes: ` +
        `unset CLICKHOUSE_CLUSTER to keep using this store, or start on an empty cluster and copy the data over ` +
        `(docs/scale-out.md, "Moving a single-node store to a cluster").`,
    );
  }
  return 'upgrade-v1';
}

async function recordedMigrations(client: ClickHouseClient): Promise<string[]> {
  const rows = await (
    await client.query({ query: 'SELECT name FROM schema_migrations ORDER BY name', format: 'JSONEachRow' })
  ).json<{ name: string }>();
  return rows.map((r) => r.name);
}

/**
 * A store created as one variant and opened as the other would answer (a Distributed `events`
 * read without the cluster settings, or local tables mistaken for a cluster's): refuse it.
 */
async function checkVariant(client: ClickHouseClient, cluster: string | undefined): Promise<void> {
  const [row] = await (
    await client.query({
      query: "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'events'",
      format: 'JSONEachRow',
    })
  ).json<{ engine: string }>();
  if (row === undefined) {
    throw new AnalyticsSchemaError(
      `schema_migrations records ${SCHEMA_MIGRATION} but there is no events table: the store was altered by hand. ` +
        `Delete the ${SCHEMA_MIGRATION} row so the next start creates the schema again.`,
    );
  }
  const distributed = row.engine === 'Distributed';
  if (distributed && cluster === undefined) {
    throw new AnalyticsSchemaError(
      'the analytics store holds the cluster schema (events is a Distributed table) but CLICKHOUSE_CLUSTER is ' +
        'not set: set it to the cluster the schema was created on.',
    );
  }
  if (!distributed && cluster !== undefined) {
    throw new AnalyticsSchemaError(
      `CLICKHOUSE_CLUSTER=${cluster} is set but the analytics store holds the single-node schema (events is a ` +
        `${row.engine} table): unset CLICKHOUSE_CLUSTER, or point CLICKHOUSE_URL at the cluster.`,
    );
  }
}

/**
 * Brings the analytics store to schema.ts and returns the migration names it recorded (empty
 * when already there). Everything runs under `opts.lock`, schema_migrations read inside it, so
 * of replicas starting together one migrates and the others find it done. Each step is
 * idempotent and the record is written last: a crash at any point leaves a state the next
 * start completes.
 */
export async function migrateAnalytics(
  client: ClickHouseClient,
  opts: MigrateAnalyticsOptions = {},
): Promise<string[]> {
  const { cluster, lock = unlocked } = opts;
  return lock(async () => {
    await client.command({ query: migrationsTableStatement(cluster) });
    // On a cluster the record may have been written through another node: wait until this
    // replica has it, so a migration finished elsewhere is not applied (and recorded) twice.
    if (cluster !== undefined) await client.command({ query: 'SYSTEM SYNC REPLICA schema_migrations' });
    const plan = planAnalyticsMigration(await recordedMigrations(client), cluster);
    if (plan === 'up-to-date') {
      await checkVariant(client, cluster);
      return [];
    }
    // Everything up to the record is idempotent: CREATE … IF NOT EXISTS, and a backfill that
    // empties the rollups before it fills them. A fresh store backfills from an empty events
    // table (cheap), so a 'create' interrupted at any point is completed the same way.
    const statements =
      plan === 'create'
        ? schemaStatements(cluster)
        : plan === 'upgrade-v1'
          ? [...legacyUpgradeStatements(), ...rollupStatements(cluster)]
          : rollupStatements(cluster);
    for (const query of statements) await client.command({ query, clickhouse_settings: NO_TIME_LIMIT });
    await backfillRollups(client, cluster);
    const names = plan === 'add-rollups' ? [ROLLUPS_MIGRATION] : [...CURRENT_MIGRATIONS];
    // One insert, one block: both names are recorded or neither.
    await client.insert({ table: 'schema_migrations', values: names.map((name) => ({ name })), format: 'JSONEachRow' });
    return names;
  });
}

/**
 * Migrations run without the per-query limit (QUERY_TIMEOUT_SECONDS, 15 s by default, set on
 * every client call): a backfill over a big store takes minutes (30 M events: over 15 s on this
 * 2-core machine under load), and a start that times out half-way would never complete. On chDB
 * the setting becomes a session-wide SET, but every later call sets the default again.
 */
const NO_TIME_LIMIT = { max_execution_time: 0 };

/**
 * Migration 110's backfill (rollupBackfillStatements): exact because it runs under the
 * migration lock before this process ingests; a crash part-way is redone whole next start.
 */
export async function backfillRollups(client: ClickHouseClient, cluster: string | undefined): Promise<void> {
  for (const query of rollupBackfillStatements(cluster)) {
    await client.command({
      query,
      clickhouse_settings: {
        ...NO_TIME_LIMIT,
        // A redone backfill's blocks equal the interrupted one's: they are not retries.
        insert_deduplicate: 0,
        // On a cluster: each shard runs the INSERT … SELECT on its own local tables (the
        // rollups shard like events, so a shard's events make exactly its rollup rows), and the
        // statement returns once every shard stored its rows, before the record is written.
        ...(cluster === undefined ? {} : { parallel_distributed_insert_select: '2', distributed_foreground_insert: 1 }),
      },
    });
  }
}

import { sql } from 'kysely';
import type { ControlDb } from './db.ts';
import { isPostgres } from './dialect.ts';

/**
 * The PostgreSQL advisory lock key held while the analytics (ClickHouse) schema is migrated.
 * Arbitrary but fixed: every replica of every version must use the same one. Kysely's Migrator
 * takes its own lock for the control store's migrations; this one is only for ClickHouse's.
 */
export const ANALYTICS_MIGRATION_LOCK_KEY = '7390148211550237001';

/**
 * Runs `fn` (migrateAnalytics' work) while holding the analytics migration lock, so replicas
 * that start together migrate the shared ClickHouse store once (I5): the first runs the DDL,
 * the others wait here and then find it recorded.
 *
 * PostgreSQL: a session-level `pg_advisory_lock` on one dedicated connection, not a
 * transaction-level one, because ClickHouse DDL is not transactional and can run for minutes
 * (ON CLUSTER waits for every node): no transaction stays open meanwhile. If this process dies
 * the connection closes and PostgreSQL releases the lock, so a crashed migrator blocks no one.
 *
 * SQLite: `fn` runs as is. The SQLite control store goes with the embedded chDB store, which
 * only one process can open at a time (libchdb binds a data directory to one process), so
 * there is no other migrator to exclude.
 */
export async function withAnalyticsMigrationLock<T>(db: ControlDb, fn: () => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return fn();
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${ANALYTICS_MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`SELECT pg_advisory_unlock(${ANALYTICS_MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    }
  });
}

import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { isPostgres } from './dialect.ts';
import { controlMigrations } from './migrations/index.ts';
import type { ControlDatabase } from './schema.ts';

export type ControlDb = Kysely<ControlDatabase>;

export interface ControlStoreOptions {
  /** PostgreSQL connection string; when absent SQLite at `<dataDir>/control.db` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
}

export function openControlDb(opts: ControlStoreOptions): ControlDb {
  if (opts.databaseUrl) {
    return new Kysely<ControlDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: opts.databaseUrl, max: 10 }) }),
    });
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const sqlite = new SQLite(path.join(opts.dataDir, 'control.db'));
  // WAL lets the CLI (token create/revoke) write while the server reads.
  sqlite.pragma('journal_mode = WAL');
  // A commit survives the process being killed (the WAL is in the OS's page cache), not a
  // power cut: the same promise as the embedded analytics store, which does not fsync parts.
  // FULL would fsync the WAL at every ingest flush.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<ControlDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
}

export async function migrateControl(db: ControlDb): Promise<void> {
  // Kysely looks for its migration tables in every schema unless told which: a database
  // where another schema (another deployment, a test) has them would skip creating ours.
  const migrationTableSchema = isPostgres(db)
    ? (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s
    : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => controlMigrations },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`control store migration ${failed} failed: ${String(error)}`);
  }
}

/**
 * Stores as the versions before the schema squash made them: the six old migration files
 * (test/fixtures/clickhouse-v1-migrations, moved there unchanged from src) applied in name
 * order and recorded in schema_migrations by file name, as the old migrate.ts did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '../../src/store/clickhouse/client.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/clickhouse-v1-migrations');

/** The old file names, in the order the old migrate.ts applied them. */
export const LEGACY_FILES: readonly string[] = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort();

/** The old splitter: statements end with `;` at end of line, `--` lines are comments. */
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Applies the old migrations `files` (all of them by default) the way the old code did. */
export async function migrateLikeV1(client: ClickHouseClient, files: readonly string[] = LEGACY_FILES): Promise<void> {
  await client.command({
    query:
      'CREATE TABLE IF NOT EXISTS schema_migrations (name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY name',
  });
  for (const file of files) {
    for (const statement of splitStatements(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      await client.command({ query: statement });
    }
    await client.insert({ table: 'schema_migrations', values: [{ name: file }], format: 'JSONEachRow' });
  }
}

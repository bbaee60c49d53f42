import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * True on PostgreSQL. The few statements that differ (row locks, SKIP LOCKED, sequences)
 * branch on this; everything else is one Kysely query for both engines.
 */
export const isPostgres = (db: Pick<Kysely<unknown>, 'getExecutor'>): boolean =>
  db.getExecutor().adapter instanceof PostgresAdapter;

/** Rows per multi-row statement: under SQLite's and PostgreSQL's bound-parameter limits. */
export const ROWS_PER_STATEMENT = 4_000;

export function* chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Errors a transaction may simply run again: a PostgreSQL deadlock or serialization
 * failure (another replica's flush locked the same keys in another order), or SQLite
 * busy past its timeout (a CLI command writing at the same time).
 */
export function isRetryableTransactionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}

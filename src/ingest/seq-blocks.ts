import { sql, type Transaction } from 'kysely';
import { isPostgres } from '../store/control/dialect.ts';
import { SEQ_BLOCK } from '../store/control/migrations/050_scale_out.ts';
import type { ControlDatabase } from '../store/control/schema.ts';

export { SEQ_BLOCK };

/**
 * The first seq of a block of SEQ_BLOCK for one flush. Taken after the flush's session
 * keys are locked, so of two flushes touching one key the one that locked it first gets
 * the lower block: seq stays monotonic per key across replicas. On PostgreSQL a sequence
 * (no row lock held to commit, so replicas never queue on it); on SQLite a kv row (one
 * writer anyway).
 */
export async function allocateSeqBlock(trx: Transaction<ControlDatabase>): Promise<number> {
  if (isPostgres(trx)) {
    const { rows } = await sql<{ v: string }>`SELECT nextval('ingest_seq_blocks') AS v`.execute(trx);
    const v = rows[0]?.v;
    if (v === undefined) throw new Error('ingest_seq_blocks gave no value');
    return Number(v);
  }
  const row = await trx
    .updateTable('kv')
    .set({ value: sql<string>`CAST(CAST(value AS INTEGER) + ${SEQ_BLOCK} AS TEXT)` })
    .where('key', '=', 'ingest_seq_next')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - SEQ_BLOCK;
}

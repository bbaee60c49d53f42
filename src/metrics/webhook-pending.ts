import type { ControlDb } from '../store/control/db.ts';

// A scrape every few seconds (or several Prometheus servers) must not turn into a count
// per scrape: the value is reused for this long.
const CACHE_MS = 5_000;

/**
 * Pending deliveries of the subscriptions that still send (not deleted, not disabled),
 * read from the durable queue (shared by all replicas): a dispatcher only holds what it claimed.
 * Counted per subscription on the (subscription_id, status, next_attempt_at) index, so
 * the cost is the pending rows, never the delivered history.
 */
export function webhookPendingReader(db: ControlDb, cacheMs = CACHE_MS): () => Promise<number> {
  let value = 0;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<number> | undefined;
  const read = async (): Promise<number> => {
    const row = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'pending')
      .where('subscription_id', 'in', (eb) =>
        eb.selectFrom('subscriptions').select('id').where('deleted_at', 'is', null).where('status', '!=', 'DISABLED'),
      )
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  return async () => {
    if (performance.now() - readAt < cacheMs) return value;
    reading ??= read()
      .then((n) => {
        value = n;
        readAt = performance.now();
        return n;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

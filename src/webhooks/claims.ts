import type { ControlDb } from '../store/control/db.ts';
import { isPostgres } from '../store/control/dialect.ts';
import { SENDING_STATUSES } from './subscription-status.ts';

/** A delivery this replica holds a lease on, ready to send. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  payload: string;
  /** Attempts made so far (recorded ones). */
  attempts: number;
  /** Epoch ms until which the lease holds: past it another replica may send it. */
  leaseUntil: number;
}

/**
 * Leases on due deliveries in the control store: any replica claims a batch with one
 * statement (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`, so
 * two replicas never hold the same row; SQLite runs the same statement without the lock
 * clause, its single writer serialises claims), sends, and writes the result only while it
 * still owns the row.
 */
export class DeliveryClaims {
  private readonly pg: boolean;

  constructor(
    private readonly db: ControlDb,
    /** This replica's name in `lease_owner`. */
    readonly owner: string,
  ) {
    this.pg = isPostgres(db);
  }

  /**
   * Of `subscriptionIds`, those still sending with at least one due, unleased delivery: one EXISTS probe per
   * subscription on the (subscription_id, status, next_attempt_at) index, so a large backlog
   * costs no more than a small one.
   */
  async withDueWork(subscriptionIds: readonly string[], nowMs: number): Promise<string[]> {
    if (subscriptionIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('subscriptions as s')
      .select('s.id')
      .where('s.id', 'in', subscriptionIds)
      // The row decides, not the caller's copy: deleted or disabled elsewhere is seen at once.
      .where('s.deleted_at', 'is', null)
      .where('s.status', 'in', SENDING_STATUSES)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('webhook_deliveries as d')
            .select('d.id')
            .whereRef('d.subscription_id', '=', 's.id')
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', nowMs)
            .where('d.lease_until', '<=', nowMs),
        ),
      )
      .execute();
    return rows.map((r) => r.id);
  }

  /** Claims up to `limit` due deliveries of these subscriptions, earliest due first. */
  async claim(subscriptionIds: readonly string[], nowMs: number, leaseMs: number, limit: number) {
    if (subscriptionIds.length === 0 || limit <= 0) return [];
    const leaseUntil = nowMs + leaseMs;
    const rows = await this.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: leaseUntil, lease_owner: this.owner })
      .where('id', 'in', (eb) => {
        const due = eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('subscription_id', 'in', subscriptionIds)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', nowMs)
          .where('lease_until', '<=', nowMs)
          .orderBy('next_attempt_at')
          .limit(limit);
        return this.pg ? due.forUpdate().skipLocked() : due;
      })
      // Re-checked on the row itself: the claim holds whatever plan the engine picks.
      .where('status', '=', 'pending')
      .where('lease_until', '<=', nowMs)
      .returning(['id', 'subscription_id', 'payload', 'attempts'])
      .execute();
    return rows.map(
      (r): ClaimedDelivery => ({
        id: r.id,
        subscriptionId: r.subscription_id,
        payload: r.payload,
        attempts: r.attempts,
        leaseUntil,
      }),
    );
  }

  /** Gives back leases this replica holds but will not use (shutdown, stale local queue). */
  async release(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: 0, lease_owner: '' })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('lease_owner', '=', this.owner)
        .where('status', '=', 'pending')
        .execute();
    }
  }

  /**
   * At start: leases left by this replica name before a restart are void. On SQLite (the one
   * process of the embedded default) every lease is: its holder is dead.
   */
  async releaseStale(): Promise<void> {
    let q = this.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: 0, lease_owner: '' })
      .where('status', '=', 'pending')
      .where('lease_until', '>', 0);
    if (this.pg) q = q.where('lease_owner', '=', this.owner);
    await q.execute();
  }
}

import type { ControlDb } from '../store/control/db.ts';
import { type ChallengeState, type ControlAttempt, insertControlAttempt } from './delivery-store.ts';
import type { SubscriptionRow } from './subscriptions.ts';

/** Statuses the dispatcher acts on: challenges while pending, deliveries while active or failing. */
export const LIVE_STATUSES = ['VERIFICATION_PENDING', 'ACTIVE', 'FAILING'];
/** Statuses whose deliveries are claimed and sent. */
export const SENDING_STATUSES = ['ACTIVE', 'FAILING'];

/**
 * Subscription status changes as compare-and-set writes on the row, so with any number of
 * replicas each change happens once: whoever moved the row (1 row updated) owns the
 * consequence (the one revocation, the challenge to send); the others read the new state
 * back at their next refresh. Nothing here is decided from memory alone.
 */
export class SubscriptionStates {
  constructor(private readonly db: ControlDb) {}

  /** Every subscription a dispatcher has work for. */
  async live(): Promise<SubscriptionRow[]> {
    return this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('status', 'in', LIVE_STATUSES)
      .execute();
  }

  /** ACTIVE → FAILING (the 5-day rule counts from `nowMs`). */
  async markFailing(id: string, nowMs: number, reason: string): Promise<boolean> {
    const res = await this.db
      .updateTable('subscriptions')
      .set({ status: 'FAILING', status_reason: reason, failing_since: nowMs })
      .where('id', '=', id)
      .where('status', '=', 'ACTIVE')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** FAILING → ACTIVE after a delivered attempt. */
  async markActive(id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('subscriptions')
      .set({ status: 'ACTIVE', status_reason: '', failing_since: null })
      .where('id', '=', id)
      .where('status', '=', 'FAILING')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * ACTIVE/FAILING → DISABLED, and its pending deliveries given up, in one transaction. True
   * for the one caller that moved it: that one sends the revocation notice.
   */
  async disable(id: string, reason: string, nowMs: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('subscriptions')
        .set({ status: 'DISABLED', status_reason: reason })
        .where('id', '=', id)
        .where('status', 'in', ['ACTIVE', 'FAILING'])
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      const moved = Number(res.numUpdatedRows) > 0;
      if (moved) await giveUpPending(tx, id, nowMs);
      return moved;
    });
  }

  /**
   * Claims the next challenge attempt of a VERIFICATION_PENDING subscription: its
   * `challenge_next_at` moves from the value read to `leaseAt` only if nobody moved it (nor the
   * attempt count) since. True for the one replica that sends it; a sender that dies leaves
   * the claim to expire at `leaseAt`, when the same attempt is sent again.
   */
  async claimChallenge(id: string, readNextAt: number, readAttempts: number, leaseAt: number): Promise<boolean> {
    const res = await this.db
      .updateTable('subscriptions')
      .set({ challenge_next_at: leaseAt })
      .where('id', '=', id)
      .where('status', '=', 'VERIFICATION_PENDING')
      .where('deleted_at', 'is', null)
      .where('challenge_next_at', '=', readNextAt)
      .where('challenge_attempts', '=', readAttempts)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * Records a challenge attempt and the handshake's next state in one transaction, only while
   * the claim (`leaseAt`) still holds and the subscription is pending and not deleted; false when
   * nothing moved. A failed verification gives up the deliveries enqueued while pending.
   */
  async recordChallenge(a: ControlAttempt, next: ChallengeState, leaseAt: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('subscriptions')
        .set({
          status: next.status,
          status_reason: next.statusReason,
          challenge_attempts: next.attempts,
          challenge_next_at: next.nextAt,
        })
        .where('id', '=', a.subscriptionId)
        .where('status', '=', 'VERIFICATION_PENDING')
        .where('deleted_at', 'is', null)
        .where('challenge_next_at', '=', leaseAt)
        .executeTakeFirst();
      const moved = Number(res.numUpdatedRows) > 0;
      if (!moved) return false;
      await insertControlAttempt(tx, a);
      if (next.status === 'VERIFICATION_FAILED') await giveUpPending(tx, a.subscriptionId, a.attemptedAt);
      return true;
    });
  }
}

/** Pending deliveries of a subscription that will never send are `failed` (and pruned in time). */
async function giveUpPending(db: ControlDb, subscriptionId: string, nowMs: number): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', updated_at: nowMs, lease_until: 0, lease_owner: '' })
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .execute();
}

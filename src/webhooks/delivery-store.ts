import type { ControlDb } from '../store/control/db.ts';
import type { MessageType } from './sender.ts';

export interface QueuedDelivery {
  id: string;
  payload: string;
  attempts: number;
}

export interface AttemptResult {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
  attemptedAt: number;
  statusCode: number;
  error: string;
  durationMs: number;
  /** What happens to the delivery next. */
  outcome: 'delivered' | 'retry' | 'failed';
  nextAttemptAt: number;
}

/** One challenge or revocation attempt (not queued: they live on the subscription row). */
export interface ControlAttempt {
  messageId: string;
  subscriptionId: string;
  messageType: Exclude<MessageType, 'notification'>;
  attempt: number;
  attemptedAt: number;
  statusCode: number;
  error: string;
  durationMs: number;
}

/** The subscription's handshake state after a challenge attempt. */
export interface ChallengeState {
  status: string;
  statusReason: string;
  attempts: number;
  nextAt: number;
}

export interface AttemptOut {
  delivery_id: string;
  message_type: string;
  attempt: number;
  attempted_at: string;
  status_code: number;
  error: string;
  duration_ms: number;
  delivery_status: string;
}

/** Durable delivery queue (results, listing, pruning) and attempt log in the control store. */
export class DeliveryStore {
  constructor(private readonly db: ControlDb) {}

  /**
   * Records a batch of attempt results in one transaction (one fsync for many deliveries).
   * A delivery's row moves only while `owner` still holds its lease: a replica whose lease
   * ran out and was claimed again elsewhere cannot overwrite the newer claim's result. The
   * attempts themselves are logged either way (they happened).
   */
  async record(results: AttemptResult[], owner: string): Promise<void> {
    if (results.length === 0) return;
    const batchAt = Math.max(...results.map((r) => r.attemptedAt));
    // Finished deliveries with the same attempt count share one UPDATE … WHERE id IN (…):
    // at thousands of deliveries a second, per-row statements were the dispatcher's main cost.
    const finished = new Map<string, string[]>();
    const retries: AttemptResult[] = [];
    for (const r of results) {
      if (r.outcome === 'retry') {
        retries.push(r);
        continue;
      }
      const k = `${r.outcome}:${r.attempt}`;
      const ids = finished.get(k) ?? [];
      ids.push(r.deliveryId);
      finished.set(k, ids);
    }
    await this.db.transaction().execute(async (tx) => {
      for (const [k, ids] of finished) {
        const [outcome, attempt] = k.split(':') as [string, string];
        for (let i = 0; i < ids.length; i += 500) {
          await tx
            .updateTable('webhook_deliveries')
            .set({
              status: outcome,
              attempts: Number(attempt),
              next_attempt_at: batchAt,
              updated_at: batchAt,
              lease_until: 0,
              lease_owner: '',
            })
            .where('id', 'in', ids.slice(i, i + 500))
            .where('lease_owner', '=', owner)
            .execute();
        }
      }
      for (const r of retries) {
        await tx
          .updateTable('webhook_deliveries')
          .set({
            status: 'pending',
            attempts: r.attempt,
            next_attempt_at: r.nextAttemptAt,
            updated_at: r.attemptedAt,
            lease_until: 0,
            lease_owner: '',
          })
          .where('id', '=', r.deliveryId)
          .where('lease_owner', '=', owner)
          .execute();
      }
      for (let i = 0; i < results.length; i += 200) {
        await tx
          .insertInto('webhook_attempts')
          .values(
            results.slice(i, i + 200).map((r) => ({
              id: `${r.deliveryId}:${r.attempt}`,
              subscription_id: r.subscriptionId,
              delivery_id: r.deliveryId,
              attempt: r.attempt,
              attempted_at: r.attemptedAt,
              status_code: r.statusCode,
              error: r.error,
              duration_ms: r.durationMs,
              message_type: 'notification',
            })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    });
  }

  /**
   * Newest attempts first: deliveries, and the subscription's challenges and revocation.
   * `subscriptionStatus` gives a challenge its status (verified once the subscription
   * left VERIFICATION_PENDING for anything but VERIFICATION_FAILED).
   */
  async recentAttempts(subscriptionId: string, subscriptionStatus: string, limit: number): Promise<AttemptOut[]> {
    const rows = await this.db
      .selectFrom('webhook_attempts as a')
      .leftJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select([
        'a.delivery_id',
        'a.message_type',
        'a.attempt',
        'a.attempted_at',
        'a.status_code',
        'a.error',
        'a.duration_ms',
        'd.status',
      ])
      .where('a.subscription_id', '=', subscriptionId)
      // A notification's attempts are listed while its delivery is (pruning drops both).
      .where((eb) => eb.or([eb('d.id', 'is not', null), eb('a.message_type', '!=', 'notification')]))
      .orderBy('a.attempted_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
    const challengeStatus =
      subscriptionStatus === 'VERIFICATION_PENDING'
        ? 'pending'
        : subscriptionStatus === 'VERIFICATION_FAILED'
          ? 'failed'
          : 'delivered';
    return rows.map((r) => ({
      delivery_id: r.delivery_id,
      message_type: r.message_type,
      attempt: r.attempt,
      attempted_at: new Date(Number(r.attempted_at)).toISOString(),
      status_code: r.status_code,
      error: r.error,
      duration_ms: r.duration_ms,
      delivery_status:
        r.message_type === 'notification'
          ? (r.status ?? 'failed')
          : r.message_type === 'revocation'
            ? r.error === ''
              ? 'delivered'
              : 'failed'
            : challengeStatus,
    }));
  }

  async pendingCount(subscriptionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Drops attempts and finished deliveries older than `beforeMs` (the log is for recent
   * history), and the queue of deleted subscriptions, which nothing will ever send.
   */
  async prune(beforeMs: number): Promise<void> {
    await this.db.deleteFrom('webhook_attempts').where('attempted_at', '<', beforeMs).execute();
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('subscription_id', 'in', (eb) =>
        eb.selectFrom('subscriptions').select('id').where('deleted_at', 'is not', null),
      )
      .execute();
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('status', '!=', 'pending')
      .where('updated_at', '<', beforeMs)
      .execute();
  }
}

/** Logs a challenge or revocation attempt (their id: the message id and the attempt number). */
export async function insertControlAttempt(db: ControlDb, a: ControlAttempt): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values({
      id: `${a.messageId}:${a.attempt}`,
      subscription_id: a.subscriptionId,
      delivery_id: a.messageId,
      attempt: a.attempt,
      attempted_at: a.attemptedAt,
      status_code: a.statusCode,
      error: a.error,
      duration_ms: a.durationMs,
      message_type: a.messageType,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

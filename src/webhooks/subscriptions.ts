import crypto from 'node:crypto';
import type { ControlDb } from '../store/control/db.ts';
import type { SubscriptionsTable } from '../store/control/schema.ts';

/** Subscription event types (CONTRACT §5) → the ingest event type they carry. */
export const EVENT_TYPE_SOURCES: Record<string, 'tracking' | 'message' | 'step'> = {
  TRACKING_EVENT: 'tracking',
  TRACKING_EVENTS: 'tracking',
  MESSAGE_EVENT: 'message',
  FLOW_EVENT: 'step',
};
/** Canonical name used as the webhook body's `type`. */
export const CANONICAL_TYPE: Record<string, string> = {
  tracking: 'TRACKING_EVENT',
  message: 'MESSAGE_EVENT',
  step: 'FLOW_EVENT',
};

/**
 * ACTIVE, FAILING, DISABLED (CONTRACT §5), and the handshake's VERIFICATION_PENDING and
 * VERIFICATION_FAILED (CONTRACT-LIVE-API §7).
 */
export type SubscriptionStatus = 'VERIFICATION_PENDING' | 'VERIFICATION_FAILED' | 'ACTIVE' | 'FAILING' | 'DISABLED';

/** Bot versions a subscription can be narrowed to ('' = both). */
export const BOT_VERSIONS = ['DRAFT', 'LIVE'] as const;
export type BotVersionFilter = (typeof BOT_VERSIONS)[number] | '';

export interface SubscriptionOut {
  id: string;
  bot_id: string;
  target: string;
  event_type: string;
  event_names: string[];
  created_at: string;
  version: string;
  status: string;
  bot_version: string;
}

export type SubscriptionRow = SubscriptionsTable;

export function toOut(r: SubscriptionRow): SubscriptionOut {
  return {
    id: r.id,
    bot_id: r.bot_id,
    target: r.target,
    event_type: r.event_type,
    event_names: JSON.parse(r.event_names) as string[],
    created_at: r.created_at,
    version: r.version,
    status: r.status,
    bot_version: r.bot_version,
  };
}

/** A create request as the API parsed it (src/api/subscription-body.ts). */
export interface NewSubscription {
  target: string;
  /** The signing secret: the client's, or one generated for it. */
  secret: string;
  /** True when `secret` was generated (the create answer shows it this once). */
  generated: boolean;
  eventType: string;
  eventNames: string[];
  botVersion: BotVersionFilter;
}

export interface CreateInput {
  teamId: string;
  botId: string;
  subscription: NewSubscription;
  /** The handshake (WEBHOOK_VERIFY_TARGETS): start VERIFICATION_PENDING rather than ACTIVE. */
  verifyTargets: boolean;
}

/** The challenge a target must echo: random, so only a receiver that read it can answer. */
export const newChallenge = (): string => crypto.randomBytes(24).toString('base64url');

/**
 * Stores a new subscription. Deliveries are enqueued by the ingest commit for the subscriptions
 * it finds, so events committed after this insert are delivered (while pending: once verified).
 */
export async function insertSubscription(db: ControlDb, input: CreateInput): Promise<SubscriptionRow> {
  const v = input.subscription;
  const row: SubscriptionRow = {
    id: `sub_${crypto.randomBytes(12).toString('hex')}`,
    bot_id: input.botId,
    team_id: input.teamId,
    target: v.target,
    secret: v.secret,
    event_type: v.eventType,
    event_names: JSON.stringify(v.eventNames),
    version: 'v1',
    // With the handshake, nothing is sent but challenges until the target echoes one; events
    // accepted while pending are enqueued all the same and delivered once verified.
    status: input.verifyTargets ? 'VERIFICATION_PENDING' : 'ACTIVE',
    created_at: new Date().toISOString(),
    deleted_at: null,
    // The analytics-store cursor of earlier versions; unused since deliveries are enqueued at ingest.
    cursor_seq: 0,
    failing_since: null,
    status_reason: '',
    bot_version: v.botVersion,
    challenge: input.verifyTargets ? newChallenge() : '',
    challenge_attempts: 0,
    challenge_next_at: Date.now(),
  };
  await db.insertInto('subscriptions').values(row).execute();
  return row;
}

export async function listSubscriptions(db: ControlDb, teamId: string, botId: string): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findSubscription(
  db: ControlDb,
  teamId: string,
  botId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function deleteSubscription(db: ControlDb, teamId: string, botId: string, id: string): Promise<boolean> {
  const res = await db
    .updateTable('subscriptions')
    .set({ deleted_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

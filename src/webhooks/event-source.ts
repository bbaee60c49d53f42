import crypto from 'node:crypto';
import { CANONICAL_TYPE } from './subscriptions.ts';

/** A subscription as matching and payloads need it. */
export interface SourceSpec {
  id: string;
  teamId: string;
  botId: string;
  eventType: string;
  eventNames: string[];
  /** DRAFT | LIVE: only that version's events (CONTRACT-LIVE-API §6); '' = both. */
  botVersion: string;
}

export interface NewDelivery {
  id: string;
  seq: number;
  payload: string;
}

/** An event's fields as the `events` table holds them (and as the webhook body shows them). */
export interface EventFields {
  seq: number;
  id: string;
  type: string;
  ts_ms: number;
  version: string;
  user_id: string;
  conversation_id: string;
  channel_type: string;
  channel_id: string;
  language: string;
  direction: string;
  kind: string;
  intent: string;
  has_intent: number;
  confidence: number | null;
  step_id: string;
  step_type: string;
  event_name: string;
  attributes: string;
}

/** Deterministic message id: a re-enqueued event gets the same webhook-id for the same subscription. */
export const messageId = (subscriptionId: string, seq: number): string =>
  `msg_${crypto.createHash('sha256').update(`${subscriptionId}:${seq}`).digest('hex').slice(0, 26)}`;

function dataOf(r: EventFields, botId: string): Record<string, unknown> {
  const common = {
    id: r.id,
    bot_id: botId,
    version: r.version,
    user_id: r.user_id,
    channel_id: r.channel_id,
    channel_type: r.channel_type,
    conversation_id: r.conversation_id,
  };
  const timestamp = new Date(Number(r.ts_ms)).toISOString();
  if (r.type === 'tracking') return { ...common, event: r.event_name, attributes: r.attributes, timestamp };
  if (r.type === 'step')
    return { ...common, language: r.language, step_id: r.step_id, step_type: r.step_type, timestamp };
  return {
    ...common,
    language: r.language,
    direction: r.direction,
    kind: r.kind,
    intent: r.direction === 'user' && r.kind === 'text' ? (r.has_intent ? r.intent : null) : null,
    confidence: r.confidence,
    timestamp,
  };
}

/**
 * The webhook body of one event for one subscription (CONTRACT §5), fixed at enqueue so every
 * retry sends the same bytes under the same id.
 */
export function deliveryOf(spec: Pick<SourceSpec, 'id' | 'botId'>, r: EventFields): NewDelivery {
  const seq = Number(r.seq);
  const id = messageId(spec.id, seq);
  const payload = JSON.stringify({
    id,
    type: CANONICAL_TYPE[r.type],
    version: 'v1',
    subscription_id: spec.id,
    bot_id: spec.botId,
    timestamp: new Date(Number(r.ts_ms)).toISOString(),
    data: dataOf(r, spec.botId),
  });
  return { id, seq, payload };
}

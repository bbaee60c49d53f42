import type { Insertable, Kysely } from 'kysely';
import type { StoredEvent } from '../ingest/event.ts';
import type { ControlDatabase, WebhookDeliveriesTable } from '../store/control/schema.ts';
import { deliveryOf, type EventFields } from './event-source.ts';
import { EVENT_TYPE_SOURCES } from './subscriptions.ts';

/** Rows per INSERT: 9 parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/** Statuses that receive deliveries: pending ones are sent once verified (CONTRACT-LIVE-API §7). */
const RECEIVING = ['VERIFICATION_PENDING', 'ACTIVE', 'FAILING'];

interface Matcher {
  id: string;
  teamId: string;
  botId: string;
  type: string;
  /** Empty = every name. */
  names: Set<string>;
  botVersion: string;
}

/** The analytics store rounds `confidence` to Float32 and prints its shortest form: the same here. */
function float32(x: number | null): number | null {
  if (x === null) return null;
  const f = Math.fround(x);
  for (let p = 1; p < 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n;
  }
  return Number(f.toPrecision(9));
}

/** The event as the `events` table returns it, so the body is byte-identical to one built from a stored row. */
const fieldsOf = (e: StoredEvent): EventFields => ({
  seq: e.seq,
  id: e.id,
  type: e.type,
  ts_ms: e.tsMs,
  version: e.version,
  user_id: e.userId,
  conversation_id: e.conversationId,
  channel_type: e.channelType,
  channel_id: e.channelId,
  language: e.language,
  direction: e.direction,
  kind: e.kind,
  intent: e.intent ?? '',
  has_intent: e.intent === null ? 0 : 1,
  confidence: float32(e.confidence),
  step_id: e.stepId,
  step_type: e.stepType,
  event_name: e.eventName,
  attributes: e.attributes,
});

/**
 * Enqueues the webhook deliveries a batch of stored events causes: one row per (matching
 * subscription, event), pending and due at `nowMs`. Called inside the ingest transaction (pass
 * the Kysely `Transaction`), so deliveries commit with their events: at least once across any
 * crash. One subscription query per call, no per-event query; a re-enqueued event is a no-op
 * (unique (subscription_id, event_seq), deterministic id). Returns the rows offered.
 */
export async function enqueueDeliveries(
  db: Kysely<ControlDatabase>,
  events: readonly StoredEvent[],
  nowMs: number,
): Promise<number> {
  if (events.length === 0) return 0;
  const bots = [...new Set(events.map((e) => e.botId))];
  const subs = await db
    .selectFrom('subscriptions')
    .select(['id', 'team_id', 'bot_id', 'event_type', 'event_names', 'bot_version'])
    .where('bot_id', 'in', bots)
    .where('deleted_at', 'is', null)
    .where('status', 'in', RECEIVING)
    .execute();
  if (subs.length === 0) return 0;
  const byBot = new Map<string, Matcher[]>();
  for (const s of subs) {
    const type = EVENT_TYPE_SOURCES[s.event_type];
    if (!type) continue;
    const list = byBot.get(s.bot_id) ?? [];
    list.push({
      id: s.id,
      teamId: s.team_id,
      botId: s.bot_id,
      type,
      names: new Set(JSON.parse(s.event_names) as string[]),
      botVersion: s.bot_version,
    });
    byBot.set(s.bot_id, list);
  }
  const rows: Insertable<WebhookDeliveriesTable>[] = [];
  for (const e of events) {
    const matchers = byBot.get(e.botId);
    if (!matchers) continue;
    let fields: EventFields | undefined;
    for (const m of matchers) {
      if (m.type !== e.type || m.teamId !== e.teamId) continue;
      if (m.names.size > 0 && !m.names.has(e.eventName)) continue;
      if (m.botVersion !== '' && m.botVersion !== e.version) continue;
      fields ??= fieldsOf(e);
      const d = deliveryOf(m, fields);
      rows.push({
        id: d.id,
        subscription_id: m.id,
        event_seq: d.seq,
        payload: d.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: nowMs,
        created_at: nowMs,
        updated_at: nowMs,
      });
    }
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['subscription_id', 'event_seq']).doNothing())
      .execute();
  }
  return rows.length;
}

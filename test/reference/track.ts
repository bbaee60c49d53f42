/**
 * TrackEvent in the reference (CONTRACT-LIVE-API §1), written from the contract only.
 *
 * `trackRefEvent` turns a TrackEvent call into the reference's input event (marked
 * `via: 'track'`). `sessionizeInIngestOrder` assigns conversations when such events are
 * present: their joining depends on what was accepted before them, so events are taken
 * one by one in ingest order and nothing already assigned ever moves.
 */
import type { RefAttributes, RefEvent, RefVersion } from './events.js';
import type { ModelEvent } from './model.js';

export interface TrackBody {
  id?: string;
  version: RefVersion;
  user_id: string;
  event: string;
  attributes?: RefAttributes;
  /** The reference needs a time: callers always give one (the service defaults to now). */
  timestamp: string;
  context?: {
    conversation_id?: string;
    campaign?: Partial<Record<'id' | 'source' | 'medium' | 'name' | 'content' | 'term', string>>;
  };
}

/**
 * §1: campaign id/source become campaign_id/campaign_source; medium, name, content, term
 * become the attributes campaign_medium… Decisions (as the service): an empty campaign
 * field is not set; an attribute of the same name with another value is refused (throws).
 */
export function trackRefEvent(teamId: string, botId: string, body: TrackBody): RefEvent {
  const attributes: RefAttributes = { ...(body.attributes ?? {}) };
  for (const f of ['medium', 'name', 'content', 'term'] as const) {
    const v = body.context?.campaign?.[f];
    if (v === undefined || v === '') continue;
    const own = attributes[`campaign_${f}`];
    if (own !== undefined && own !== v) throw new Error(`context.campaign.${f} conflicts with the attribute`);
    attributes[`campaign_${f}`] = v;
  }
  const e: RefEvent = {
    via: 'track',
    type: 'tracking',
    timestamp: body.timestamp,
    team_id: teamId,
    bot_id: botId,
    version: body.version,
    user_id: body.user_id,
    event: body.event,
    attributes,
  };
  if (body.id !== undefined) e.id = body.id;
  const cid = body.context?.conversation_id;
  if (cid !== undefined && cid !== '') e.conversation_id = cid;
  const campaign = body.context?.campaign;
  if (campaign?.id !== undefined) e.campaign_id = campaign.id;
  if (campaign?.source !== undefined) e.campaign_source = campaign.source;
  return e;
}

const formsConversation = (e: ModelEvent): boolean =>
  e.type === 'message' || e.type === 'step' || e.type === 'tracking';

const earlier = (a: ModelEvent, b: ModelEvent): boolean => a.ms < b.ms || (a.ms === b.ms && a.seq < b.seq);

/**
 * Conversation keys in ingest order (`events` are the accepted events in ingest order).
 *
 * - A supplied `conversation_id` (either operation) is that conversation of bot+version,
 *   as in the batch reference.
 * - A /v1/ingest event without one joins the conversation of its bot, version, user and
 *   channel that has an event less than the gap away from it (§2); when several do (a
 *   tracking event joined one up to the gap of the next), the one whose latest event at
 *   or before it is latest. None: it starts one. For events arriving in time order per
 *   key this is exactly the 15-minute rule of the batch reference.
 * - A TrackEvent event without one joins the user's conversation open at its time t: one
 *   holding an event of this user, bot and version at or before t and less than the gap
 *   before t, on any channel, supplied or not (decision: "the user's conversation" is any
 *   conversation with such an event of the user); several: the latest such event decides,
 *   ties by the later accepted. None: no conversation.
 * - A TrackEvent event that joins takes the channel_type, channel_id and language of the
 *   conversation's first event so far (time, then ingest order); joining a conversation
 *   nobody used yet keeps `unknown`/`''`. It is then a member like any other, so it counts
 *   for the gap rule of later events of its conversation's channel.
 */
export function sessionizeInIngestOrder(events: ModelEvent[], gapMs: number): void {
  const members = new Map<string, ModelEvent[]>();
  // Auto conversations per (bot, version, user, channel).
  const autoByKey = new Map<string, string[]>();
  let autoCount = 0;
  const join = (e: ModelEvent, key: string): void => {
    e.conversationKey = key;
    const list = members.get(key);
    if (list) list.push(e);
    else members.set(key, [e]);
  };
  for (const e of events) {
    if (!formsConversation(e)) continue;
    const cid = e.raw.conversation_id;
    const supplied = cid !== undefined && cid !== '' ? JSON.stringify(['supplied', e.bot_id, e.version, cid]) : '';
    if (e.raw.via === 'track') {
      let key = supplied;
      if (key === '') {
        let latest: ModelEvent | undefined;
        for (const list of members.values()) {
          for (const p of list) {
            const open = p.user_id === e.user_id && p.ms <= e.ms && e.ms - p.ms < gapMs;
            if (p.bot_id === e.bot_id && p.version === e.version && open && (!latest || !earlier(p, latest)))
              latest = p;
          }
        }
        if (!latest?.conversationKey) {
          e.channel_type = 'unknown';
          e.language = 'unknown';
          e.channel_id = '';
          continue;
        }
        key = latest.conversationKey;
      }
      let first: ModelEvent | undefined;
      for (const p of members.get(key) ?? []) if (!first || earlier(p, first)) first = p;
      e.channel_type = first?.channel_type ?? 'unknown';
      e.language = first?.language ?? 'unknown';
      e.channel_id = first?.channel_id ?? '';
      join(e, key);
      continue;
    }
    if (supplied !== '') {
      join(e, supplied);
      continue;
    }
    const k = JSON.stringify([e.bot_id, e.version, e.user_id ?? '', e.channel_type]);
    const autos = autoByKey.get(k) ?? [];
    autoByKey.set(k, autos);
    let best: { key: string; score: number } | undefined;
    for (const key of autos) {
      const list = members.get(key) ?? [];
      if (!list.some((p) => Math.abs(e.ms - p.ms) < gapMs)) continue;
      // Latest member at or before e; only later members: ranks below every earlier one.
      const before = list.filter((p) => p.ms <= e.ms).map((p) => p.ms);
      const score = before.length > 0 ? Math.max(...before) : Number.NEGATIVE_INFINITY;
      if (!best || score > best.score) best = { key, score };
    }
    if (best) join(e, best.key);
    else {
      const key = JSON.stringify(['auto', k, autoCount++]);
      autos.push(key);
      join(e, key);
    }
  }
}

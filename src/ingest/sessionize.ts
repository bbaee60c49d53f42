import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ValidEvent } from './event.ts';
import { CONVS_PER_KEY, type Conv, SESSION_ID_PREFIX, type SessionState } from './session-state.ts';
import { type ConvFields, StoredConversations } from './track-lookup.ts';

export { SESSION_ID_PREFIX };

const formsConversation = (e: ValidEvent): boolean =>
  e.type === 'message' || e.type === 'step' || e.type === 'tracking';

/** JSON, so the key has no U+0000 (PostgreSQL text cannot hold it) and splits back exactly. */
export const keyOf = (e: ValidEvent): string => JSON.stringify([e.botId, e.version, e.userId, e.channelType]);

/**
 * The session keys a flush's events will touch, with each key's earliest event time:
 * locked and loaded together, in key order, before anything is assigned. (A TrackEvent
 * event's key is known only once it joins a conversation; it is loaded then.)
 */
export function sessionKeys(events: readonly ValidEvent[]): Map<string, number> {
  const keys = new Map<string, number>();
  for (const ev of events) {
    if (ev.via === 'track' || ev.conversationId !== '' || !formsConversation(ev)) continue;
    const k = keyOf(ev);
    const t = keys.get(k);
    if (t === undefined || ev.tsMs < t) keys.set(k, ev.tsMs);
  }
  return keys;
}

export type SessionChanges = Map<string, Conv[]>;

interface Pending {
  key: string;
  ev: ValidEvent;
  order: number;
}

const fieldsOf = (e: ValidEvent): ConvFields => ({
  channelType: e.channelType,
  channelId: e.channelId,
  language: e.language,
  ms: e.tsMs,
});

/**
 * The batch's events accepted before a TrackEvent event, in conversations, indexed by
 * user and by conversation so each join reads only its own (a flush may hold 200,000
 * events and many TrackEvent calls).
 */
class EarlierEvents {
  private upTo = 0;
  private readonly byUser = new Map<string, ValidEvent[]>();
  private readonly byConversation = new Map<string, ValidEvent[]>();

  constructor(private readonly events: ValidEvent[]) {}

  /** Indexes the events before `end` (by then their conversation ids are final). */
  advance(end: number): void {
    for (; this.upTo < end; this.upTo++) {
      const e = this.events[this.upTo] as ValidEvent;
      if (e.conversationId === '' || !formsConversation(e)) continue;
      push(this.byUser, `${e.botId}\u0000${e.version}\u0000${e.userId}`, e);
      push(this.byConversation, `${e.botId}\u0000${e.version}\u0000${e.conversationId}`, e);
    }
  }

  ofUser(ev: ValidEvent): readonly ValidEvent[] {
    return this.byUser.get(`${ev.botId}\u0000${ev.version}\u0000${ev.userId}`) ?? [];
  }

  ofConversation(ev: ValidEvent, conversationId: string): readonly ValidEvent[] {
    return this.byConversation.get(`${ev.botId}\u0000${ev.version}\u0000${conversationId}`) ?? [];
  }
}

const push = (m: Map<string, ValidEvent[]>, key: string, e: ValidEvent): void => {
  const list = m.get(key);
  if (list) list.push(e);
  else m.set(key, [e]);
};

/**
 * Assigns conversation ids by the 15-minute rule (CONTRACT §2, §7): events of one
 * bot, version, user and channel with no gap of `gapMs` or more share a conversation.
 * It holds no state of its own: each flush passes the session state it locked in the
 * control store, and writes back the changes this returns in the same transaction, so
 * any replica continues any user's conversations.
 */
export class Sessionizer {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly gapMs: number,
  ) {}

  /**
   * Fills `conversationId` of the events that need one; returns the state changes to
   * commit once the events are stored. `events` are in ingest order.
   *
   * A TrackEvent event (`via: 'track'`) sees exactly the events accepted before it, in
   * this batch or stored, and the events after it see it: the batch is cut at each one,
   * the events before the cut are sessionized, then the tracking event joins.
   */
  async assign(events: ValidEvent[], state: SessionState): Promise<SessionChanges> {
    const changes: SessionChanges = new Map();
    const earlier = new EarlierEvents(events);
    const tracks = events.filter((e) => e.via === 'track');
    const stored = tracks.length > 0 ? await StoredConversations.load(this.client, this.gapMs, tracks) : undefined;
    let segment: Pending[] = [];
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as ValidEvent;
      if (ev.via === 'track') {
        await this.sessionizeSegment(segment, changes, state);
        segment = [];
        earlier.advance(i);
        await this.join(ev, earlier, stored as StoredConversations, changes, state);
        continue;
      }
      if (ev.conversationId !== '' || !formsConversation(ev)) continue;
      segment.push({ key: keyOf(ev), ev, order: i });
    }
    await this.sessionizeSegment(segment, changes, state);
    return changes;
  }

  /** The working copy of one key's conversations for this batch. */
  private convsFor(key: string, changes: SessionChanges, state: SessionState): Conv[] {
    let convs = changes.get(key);
    if (!convs) {
      convs = state.get(key).map((c) => ({ ...c }));
      changes.set(key, convs);
    }
    return convs;
  }

  private async sessionizeSegment(pending: Pending[], changes: SessionChanges, state: SessionState): Promise<void> {
    if (pending.length === 0) return;
    await state.ensure(sessionKeys(pending.map((p) => p.ev)));
    // Time order per key (ties by ingest order) so a batch given out of order still
    // splits exactly where the gaps are.
    pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.ev.tsMs - b.ev.tsMs || a.order - b.order));
    for (const { key, ev } of pending) {
      const convs = this.convsFor(key, changes, state);
      const t = ev.tsMs;
      // Several conversations within the gap (a tracking event joined one up to the gap
      // of the next): the one whose latest event at or before t is latest, as TrackEvent
      // joins (a conversation spanning t counts as having an event right at t).
      let hit: Conv | undefined;
      for (const c of convs) {
        if (!(t - c.lastMs < this.gapMs && c.startMs - t < this.gapMs)) continue;
        if (!hit || Math.min(c.lastMs, t) > Math.min(hit.lastMs, t)) hit = c;
      }
      if (!hit) {
        hit = { id: `${SESSION_ID_PREFIX}${randomBytes(12).toString('hex')}`, startMs: t, lastMs: t };
        convs.push(hit);
        convs.sort((a, b) => a.lastMs - b.lastMs);
        if (convs.length > CONVS_PER_KEY) convs.shift();
      } else {
        if (t < hit.startMs) hit.startMs = t;
        if (t > hit.lastMs) hit.lastMs = t;
      }
      ev.conversationId = hit.id;
    }
  }

  /**
   * A TrackEvent event (CONTRACT-LIVE-API §1): with a conversation id it joins that
   * conversation; without one it joins the user's conversation open at its time t (an
   * event of the user in it at or before t and less than the gap before t; the latest
   * such event decides), on any channel, or stays without a conversation and opens none.
   * It takes the conversation's first event's channel_type, channel_id and language, and
   * a sessionized conversation's state grows by it, so the gap rule for later events
   * counts it. `earlier` holds the batch's events accepted before it.
   */
  private async join(
    ev: ValidEvent,
    earlier: EarlierEvents,
    stored: StoredConversations,
    changes: SessionChanges,
    state: SessionState,
  ): Promise<void> {
    if (ev.conversationId === '') {
      const t = ev.tsMs;
      let latest: ValidEvent | undefined;
      for (const e of earlier.ofUser(ev)) {
        // `>=`: on equal times the later accepted event is the latest.
        if (e.tsMs <= t && t - e.tsMs < this.gapMs && (!latest || e.tsMs >= latest.tsMs)) latest = e;
      }
      const before = stored.latest(ev);
      // Stored events were accepted before this batch: on equal times the batch's win.
      if (before && (!latest || before.ms > latest.tsMs)) ev.conversationId = before.id;
      else if (latest) ev.conversationId = latest.conversationId;
      else return;
    }
    const id = ev.conversationId;
    let first: ConvFields | undefined = await stored.first(this.client, ev, id);
    for (const e of earlier.ofConversation(ev, id)) if (!first || e.tsMs < first.ms) first = fieldsOf(e);
    if (first) {
      ev.channelType = first.channelType;
      ev.channelId = first.channelId;
      ev.language = first.language;
    }
    // A sessionized conversation of this user and channel: it now also ends (or starts) here.
    await state.ensure(new Map([[keyOf(ev), ev.tsMs]]));
    const conv = this.convsFor(keyOf(ev), changes, state).find((c) => c.id === id);
    if (conv) {
      if (ev.tsMs < conv.startMs) conv.startMs = ev.tsMs;
      if (ev.tsMs > conv.lastMs) conv.lastMs = ev.tsMs;
    }
  }
}

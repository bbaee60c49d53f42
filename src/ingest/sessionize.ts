import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ValidEvent } from './event.ts';
import { type ConvFields, StoredConversations } from './track-lookup.ts';

/** A conversation the sessionizer knows for one (bot, version, user, channel) key. */
interface Conv {
  id: string;
  startMs: number;
  lastMs: number;
}

/** Sessionizer-made ids carry this prefix so restarts can tell them from client ids. */
export const SESSION_ID_PREFIX = 'sess_';
// Per key we keep the few most recent conversations: enough to place late events.
const CONVS_PER_KEY = 4;
const MAX_KEYS = 2_000_000;

const formsConversation = (e: ValidEvent): boolean =>
  e.type === 'message' || e.type === 'step' || e.type === 'tracking';

const keyOf = (e: ValidEvent): string => `${e.botId}\u0000${e.version}\u0000${e.userId}\u0000${e.channelType}`;

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
 * State lives in memory, is refilled from the store for keys this process has not
 * seen, and is only committed after the events are durable.
 */
export class Sessionizer {
  private readonly state = new Map<string, Conv[]>();
  /** False once state may be incomplete (store had data at start, or keys were evicted). */
  private complete: boolean;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly gapMs: number,
    storeWasEmpty: boolean,
  ) {
    this.complete = storeWasEmpty;
  }

  /**
   * Fills `conversationId` of the events that need one; returns the state changes to
   * commit once the events are stored. `events` are in ingest order.
   *
   * A TrackEvent event (`via: 'track'`) sees exactly the events accepted before it, in
   * this batch or stored, and the events after it see it: the batch is cut at each one,
   * the events before the cut are sessionized, then the tracking event joins.
   */
  async assign(events: ValidEvent[]): Promise<SessionChanges> {
    const changes: SessionChanges = new Map();
    const earlier = new EarlierEvents(events);
    const tracks = events.filter((e) => e.via === 'track');
    const stored = tracks.length > 0 ? await StoredConversations.load(this.client, this.gapMs, tracks) : undefined;
    let segment: Pending[] = [];
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as ValidEvent;
      if (ev.via === 'track') {
        await this.sessionizeSegment(segment, changes);
        segment = [];
        earlier.advance(i);
        await this.join(ev, earlier, stored as StoredConversations, changes);
        continue;
      }
      if (ev.conversationId !== '' || !formsConversation(ev)) continue;
      segment.push({ key: keyOf(ev), ev, order: i });
    }
    await this.sessionizeSegment(segment, changes);
    return changes;
  }

  /** The working copy of one key's conversations for this batch. */
  private convsFor(key: string, changes: SessionChanges): Conv[] {
    let convs = changes.get(key);
    if (!convs) {
      convs = (this.state.get(key) ?? []).map((c) => ({ ...c }));
      changes.set(key, convs);
    }
    return convs;
  }

  private async sessionizeSegment(pending: Pending[], changes: SessionChanges): Promise<void> {
    if (pending.length === 0) return;
    await this.loadMissing(pending.map((p) => p.ev));
    // Time order per key (ties by ingest order) so a batch given out of order still
    // splits exactly where the gaps are.
    pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.ev.tsMs - b.ev.tsMs || a.order - b.order));
    for (const { key, ev } of pending) {
      const convs = this.convsFor(key, changes);
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
    await this.loadMissing([ev]);
    const conv = this.convsFor(keyOf(ev), changes).find((c) => c.id === id);
    if (conv) {
      if (ev.tsMs < conv.startMs) conv.startMs = ev.tsMs;
      if (ev.tsMs > conv.lastMs) conv.lastMs = ev.tsMs;
    }
  }

  commit(changes: SessionChanges): void {
    for (const [key, convs] of changes) {
      this.state.delete(key);
      this.state.set(key, convs);
    }
    if (this.state.size > MAX_KEYS) {
      // Evict the least recently touched keys; they will be reloaded from the store.
      this.complete = false;
      const excess = this.state.size - MAX_KEYS;
      let n = 0;
      for (const key of this.state.keys()) {
        if (n++ >= excess) break;
        this.state.delete(key);
      }
    }
  }

  private async loadMissing(events: ValidEvent[]): Promise<void> {
    if (this.complete) return;
    const missing = new Map<string, ValidEvent>();
    for (const ev of events) {
      const key = keyOf(ev);
      if (!this.state.has(key) && !missing.has(key)) missing.set(key, ev);
    }
    if (missing.size === 0) return;
    const bots = [...new Set([...missing.values()].map((e) => e.botId))];
    const users = [...new Set([...missing.values()].map((e) => e.userId))];
    const result = await this.client.query({
      // FINAL merges each conversation's partial rows first, so start/end are its true ones.
      query: `SELECT bot_id, version, first.2 AS uid, first.3 AS channel, conversation_id,
                     toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS last_ms
              FROM conversation_summary FINAL
              WHERE bot_id IN {bots:Array(String)} AND uid IN {users:Array(String)}
                AND startsWith(conversation_id, {prefix:String})
              ORDER BY last_ms DESC LIMIT ${CONVS_PER_KEY} BY bot_id, version, uid, channel`,
      query_params: { bots, users, prefix: SESSION_ID_PREFIX },
      format: 'JSONCompactEachRow',
    });
    const rows = await result.json<[string, string, string, string, string, number, number]>();
    const found = new Map<string, Conv[]>();
    for (const [bot, version, user, channel, id, startMs, lastMs] of rows) {
      const key = `${bot}\u0000${version}\u0000${user}\u0000${channel}`;
      if (!missing.has(key)) continue;
      const list = found.get(key) ?? [];
      list.unshift({ id, startMs: Number(startMs), lastMs: Number(lastMs) });
      found.set(key, list);
    }
    for (const key of missing.keys()) this.state.set(key, found.get(key) ?? []);
  }
}

import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ValidEvent } from './event.ts';

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
   */
  async assign(events: ValidEvent[]): Promise<SessionChanges> {
    const pending: { key: string; ev: ValidEvent; order: number }[] = [];
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as ValidEvent;
      if (ev.conversationId !== '' || !formsConversation(ev)) continue;
      pending.push({ key: keyOf(ev), ev, order: i });
    }
    if (pending.length === 0) return new Map();
    await this.loadMissing(pending.map((p) => p.ev));
    // Time order per key (ties by ingest order) so a batch given out of order still
    // splits exactly where the gaps are.
    pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.ev.tsMs - b.ev.tsMs || a.order - b.order));
    const changes: SessionChanges = new Map();
    for (const { key, ev } of pending) {
      let convs = changes.get(key);
      if (!convs) {
        convs = (this.state.get(key) ?? []).map((c) => ({ ...c }));
        changes.set(key, convs);
      }
      const t = ev.tsMs;
      let hit = convs.find((c) => t - c.lastMs < this.gapMs && c.startMs - t < this.gapMs);
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
    return changes;
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

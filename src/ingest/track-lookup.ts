import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ValidEvent } from './event.ts';

/** What a joining TrackEvent event takes from its conversation's first event. */
export interface ConvFields {
  channelType: string;
  channelId: string;
  language: string;
  ms: number;
}

interface StoredEvent {
  conversationId: string;
  ms: number;
  seq: number;
}

// TrackEvent events whose times lie within this span share one window query; a flush with
// events far apart (a late report of last week's purchase) reads one window per cluster
// instead of everything in between.
const CLUSTER_SPAN_MS = 60 * 60 * 1000;

const userKey = (botId: string, version: string, userId: string): string => `${botId}\u0000${version}\u0000${userId}`;
const convKey = (botId: string, version: string, id: string): string => `${botId}\u0000${version}\u0000${id}`;

/**
 * What the store already holds for a flush's TrackEvent events (CONTRACT-LIVE-API §1):
 * the conversation events of their users near their times, and the first event of every
 * conversation they may join. Read once per flush, before anything of the flush is
 * stored, so a flush of many TrackEvent calls costs a few queries, not a few per event.
 */
export class StoredConversations {
  private readonly byUser = new Map<string, StoredEvent[]>();
  private readonly firsts = new Map<string, ConvFields>();
  /** Conversations whose first event was looked up (found or not). */
  private readonly firstsRead = new Set<string>();

  private constructor(private readonly gapMs: number) {}

  static async load(
    client: ClickHouseClient,
    gapMs: number,
    tracks: readonly ValidEvent[],
  ): Promise<StoredConversations> {
    const view = new StoredConversations(gapMs);
    const convIds = new Set<string>();
    for (const ev of tracks) if (ev.conversationId !== '') convIds.add(ev.conversationId);
    const open = tracks.filter((ev) => ev.conversationId === '').sort((a, b) => a.tsMs - b.tsMs);
    for (const cluster of clusters(open)) {
      for (const e of await view.window(client, cluster)) convIds.add(e.conversationId);
    }
    if (convIds.size > 0) await view.loadFirsts(client, tracks, [...convIds]);
    return view;
  }

  /** The user's latest stored conversation event in (t − gap, t], ties by ingest order. */
  latest(ev: ValidEvent): { id: string; ms: number } | undefined {
    let best: StoredEvent | undefined;
    for (const e of this.byUser.get(userKey(ev.botId, ev.version, ev.userId)) ?? []) {
      if (e.ms > ev.tsMs || ev.tsMs - e.ms >= this.gapMs) continue;
      if (!best || e.ms > best.ms || (e.ms === best.ms && e.seq > best.seq)) best = e;
    }
    return best ? { id: best.conversationId, ms: best.ms } : undefined;
  }

  /**
   * The stored first event (by time, then ingest order) of a conversation, if any. A
   * conversation not read up front (one the flush itself continues, whose stored events
   * lie before the window) is read now.
   */
  async first(client: ClickHouseClient, ev: ValidEvent, conversationId: string): Promise<ConvFields | undefined> {
    const key = convKey(ev.botId, ev.version, conversationId);
    if (!this.firstsRead.has(key)) await this.loadFirsts(client, [ev], [conversationId]);
    return this.firsts.get(key);
  }

  private async window(client: ClickHouseClient, cluster: ValidEvent[]): Promise<StoredEvent[]> {
    const lo = (cluster[0] as ValidEvent).tsMs - this.gapMs;
    const hi = (cluster[cluster.length - 1] as ValidEvent).tsMs;
    const result = await client.query({
      query: `SELECT bot_id, version, user_id, conversation_id, toUnixTimestamp64Milli(ts) AS ms, seq FROM events
              WHERE team_id IN {teams:Array(String)} AND bot_id IN {bots:Array(String)}
                AND version IN {versions:Array(String)} AND type IN ('message', 'step', 'tracking')
                AND ts > fromUnixTimestamp64Milli({lo:Int64}) AND ts <= fromUnixTimestamp64Milli({hi:Int64})
                AND user_id IN {users:Array(String)} AND conversation_id != ''`,
      query_params: {
        teams: distinct(cluster.map((e) => e.teamId)),
        bots: distinct(cluster.map((e) => e.botId)),
        versions: distinct(cluster.map((e) => e.version)),
        users: distinct(cluster.map((e) => e.userId)),
        lo,
        hi,
      },
      format: 'JSONCompactEachRow',
    });
    const rows = await result.json<[string, string, string, string, number, number | string]>();
    const out: StoredEvent[] = [];
    for (const [bot, version, user, conversationId, ms, seq] of rows) {
      const e = { conversationId, ms: Number(ms), seq: Number(seq) };
      const key = userKey(bot, version, user);
      const list = this.byUser.get(key);
      if (list) list.push(e);
      else this.byUser.set(key, [e]);
      out.push(e);
    }
    return out;
  }

  private async loadFirsts(client: ClickHouseClient, tracks: readonly ValidEvent[], convIds: string[]): Promise<void> {
    const params = {
      teams: distinct(tracks.map((e) => e.teamId)),
      bots: distinct(tracks.map((e) => e.botId)),
      versions: distinct(tracks.map((e) => e.version)),
      convs: convIds,
    };
    // The summary's start times narrow the events read to those timestamps of the sort
    // key; among a conversation's events at them, the earliest (ts, seq) is its first.
    const result = await client.query({
      query: `SELECT bot_id, version, conversation_id,
                     argMin((toString(channel_type), channel_id, toString(language), toUnixTimestamp64Milli(ts)), (ts, seq))
              FROM events
              WHERE team_id IN {teams:Array(String)} AND bot_id IN {bots:Array(String)}
                AND version IN {versions:Array(String)} AND type IN ('message', 'step', 'tracking')
                AND conversation_id IN {convs:Array(String)}
                AND ts IN (SELECT min(start_ts) FROM conversation_summary
                           WHERE team_id IN {teams:Array(String)} AND bot_id IN {bots:Array(String)}
                             AND version IN {versions:Array(String)} AND conversation_id IN {convs:Array(String)}
                           GROUP BY bot_id, version, conversation_id)
              GROUP BY bot_id, version, conversation_id`,
      query_params: params,
      format: 'JSONCompactEachRow',
    });
    for (const bot of params.bots)
      for (const version of params.versions) for (const id of convIds) this.firstsRead.add(convKey(bot, version, id));
    const rows = await result.json<[string, string, string, [string, string, string, number | string]]>();
    for (const [bot, version, id, [channelType, channelId, language, ms]] of rows) {
      this.firsts.set(convKey(bot, version, id), { channelType, channelId, language, ms: Number(ms) });
    }
  }
}

const distinct = (values: string[]): string[] => [...new Set(values)];

/** Events sorted by time, cut where the next one is more than CLUSTER_SPAN_MS after a cluster's first. */
function clusters(sorted: ValidEvent[]): ValidEvent[][] {
  const out: ValidEvent[][] = [];
  let current: ValidEvent[] = [];
  for (const ev of sorted) {
    if (current.length > 0 && ev.tsMs - (current[0] as ValidEvent).tsMs > CLUSTER_SPAN_MS) {
      out.push(current);
      current = [];
    }
    current.push(ev);
  }
  if (current.length > 0) out.push(current);
  return out;
}

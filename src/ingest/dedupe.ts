import type { ClickHouseClient } from '../store/clickhouse/client.ts';

export const DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Client ids accepted in the last 24 h, per bot (CONTRACT §1: by acceptance time).
 * Map order is acceptance order, so expiring is a walk from the front.
 */
export class RecentIds {
  private readonly seen = new Map<string, number>();

  static key(botId: string, id: string): string {
    return `${botId}\u0000${id}`;
  }

  has(key: string, nowMs: number): boolean {
    const at = this.seen.get(key);
    return at !== undefined && nowMs - at < DEDUPE_WINDOW_MS;
  }

  add(key: string, acceptedAtMs: number): void {
    this.seen.delete(key);
    this.seen.set(key, acceptedAtMs);
  }

  expire(nowMs: number): void {
    for (const [key, at] of this.seen) {
      if (nowMs - at < DEDUPE_WINDOW_MS) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Reloads the window from the store so dedupe holds across restarts. It reads `events`
   * itself, not the `ingest_ids` view: an insert is not atomic across a table and its
   * materialized views, so a kill -9 can leave a batch's rows in `events` without its ids in
   * `ingest_ids`, and a client retrying that unanswered batch after the restart had it
   * stored twice (kill loop, 2026-12-02: one doubled 200-event batch in 2 of 4 kill -9 rounds).
   */
  async load(client: ClickHouseClient, nowMs: number): Promise<void> {
    const result = await client.query({
      query: `SELECT bot_id, id, toUnixTimestamp64Milli(ingested_at) AS at FROM events
              WHERE id_supplied = 1 AND ingested_at > fromUnixTimestamp64Milli({since:Int64})
              ORDER BY ingested_at`,
      query_params: { since: nowMs - DEDUPE_WINDOW_MS },
      format: 'JSONCompactEachRow',
    });
    for await (const rows of result.stream<[string, string, number]>()) {
      for (const row of rows) {
        const [bot, id, at] = row.json();
        this.add(RecentIds.key(bot, id), Number(at));
      }
    }
  }
}

/**
 * SQL over `conversation_summary` (migration 051) for "conversations that STARTED in
 * [start_ms, end_ms)" (CONTRACT §7), one output row per conversation.
 *
 * The table holds partial rows (one per conversation per insert block) that the engine
 * combines in the background; `FINAL` merges whatever is not combined yet before WHERE
 * is applied, so the start condition sees each conversation's true start and totals
 * cover all its events, also those after end_time. (Dropping rows on time before
 * merging would let a conversation begun before the range, whose later events came in
 * another insert, look as if it started in it: test/analytics/conversation-start-split.)
 *
 * Output columns: bot_id, version, conversation_id, s (start), e (end), um (user
 * messages), st (steps in flow order as (key, step_id, step_type)), and the first
 * event's first_user, first_channel, first_language, first_campaign_id,
 * first_campaign_source.
 */
export interface StartedConversationsOptions {
  /** WHERE fragment selecting the tenant (bot key or team key). */
  keyWhere: string;
  /** Further conditions over the output columns (e.g. first_channel filters), starting with AND. */
  where?: string;
}

export function startedConversationsSql(o: StartedConversationsOptions): string {
  return `
    SELECT * FROM (
      SELECT bot_id, version, conversation_id,
        start_ts AS s,
        end_ts AS e,
        user_messages AS um,
        arraySort(x -> x.1, steps) AS st,
        first.2 AS first_user,
        first.3 AS first_channel,
        first.4 AS first_language,
        first.5 AS first_campaign_id,
        first.6 AS first_campaign_source
      FROM conversation_summary FINAL
      WHERE ${o.keyWhere}
        AND start_ts >= fromUnixTimestamp64Milli({start_ms:Int64})
        AND start_ts < fromUnixTimestamp64Milli({end_ms:Int64})
    )
    WHERE 1 ${o.where ?? ''}`;
}

/** Filter columns of a started conversation: its first event's channel and language. */
export const FIRST_EVENT_FILTER_COLS = { channel: 'first_channel', language: 'first_language' };

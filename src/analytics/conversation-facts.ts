/**
 * SQL over `conversation_facts` (migration 050) for "conversations that STARTED in
 * [start_ms, end_ms)" (CONTRACT §7), one output row per conversation, exact whatever
 * the merge state: all partial rows of the tenant are grouped by conversation and the
 * start condition is applied after the grouping. Rows are never dropped on time before
 * grouping (e.g. `end_ts >= start`): a conversation begun before the range whose later
 * rows came in another insert would then look as if it started in range. Narrowing to
 * candidates first (`(bot, version, id) IN (rows with start_ts < end AND end_ts >= start)`)
 * is exact too but measured slower at 10 M events (an IN set of string tuples costs more
 * than grouping a bot's ~28 k conversations), so it is not done.
 *
 * Output columns: conversation_id, bot_id, version, s (start), and the first event's
 * fields first_user, first_channel, first_language, first_campaign_id,
 * first_campaign_source, plus whatever `extraColumns` adds (aggregates over the rows).
 */
export interface StartedConversationsOptions {
  /** WHERE fragment selecting the tenant rows (bot key or team key), with its params. */
  keyWhere: string;
  /** Additional aggregate columns, e.g. `sum(user_messages) AS um`. */
  extraColumns?: string[];
  /** HAVING fragment over the output columns (filters on first_channel etc.), starting with AND. */
  having?: string;
  /**
   * Rows starting at or after end_ms cannot change a conversation's start or first
   * event; skip them unless the metric totals the whole conversation (messages after
   * end_time, duration, steps).
   */
  wholeConversation: boolean;
}

const CONVERSATION_KEY = 'bot_id, version, conversation_id';

export function startedConversationsSql(o: StartedConversationsOptions): string {
  const later = o.wholeConversation ? '' : ' AND start_ts < fromUnixTimestamp64Milli({end_ms:Int64})';
  const extra = (o.extraColumns ?? []).map((c) => `,\n      ${c}`).join('');
  return `
    SELECT ${CONVERSATION_KEY},
      min(start_ts) AS s,
      argMin(user_id, first_key) AS first_user,
      argMin(channel_type, first_key) AS first_channel,
      argMin(language, first_key) AS first_language,
      argMin(campaign_id, first_key) AS first_campaign_id,
      argMin(campaign_source, first_key) AS first_campaign_source${extra}
    FROM conversation_facts
    WHERE ${o.keyWhere}
      ${later}
    GROUP BY ${CONVERSATION_KEY}
    HAVING s >= fromUnixTimestamp64Milli({start_ms:Int64}) AND s < fromUnixTimestamp64Milli({end_ms:Int64})${o.having ?? ''}`;
}

/** The conversation's steps in flow order (time, ties by ingest order) as (key, step_id, step_type). */
export const SORTED_STEPS = 'arraySort(x -> x.1, arrayFlatten(groupArray(steps)))';

/** Filter columns of a started conversation: its first event's channel and language. */
export const FIRST_EVENT_FILTER_COLS = { channel: 'first_channel', language: 'first_language' };

/**
 * SQL of the flow endpoints (CONTRACT §2 Flow/DROPOFF, §4, §7), shared by the
 * service and the benchmark so both measure the same text.
 *
 * Every query starts from `conversation_summary`: one row per conversation and insert
 * block, whose `steps` holds (key, step_id, step_type) of the conversation's step
 * events. Rows are merged with GROUP BY conversation_id at read time (parts may be
 * unmerged) and the steps sorted by key = (ts, seq), which
 * is the contract's order "timestamp, ties by ingest order". No window function
 * over raw events is needed: the per-conversation sequence is already there.
 */

/** Step id of the pseudo-node "the conversation ended here". */
export const DROPOFF = 'DROPOFF';

/**
 * Conversations of one bot+version that STARTED in [start, end), filtered on
 * their first event (`filterWhere` is a HAVING fragment over first_channel /
 * first_language), with all their steps as `st` (sorted by time, ties by ingest
 * order: (key, step_id, step_type)) and `ids` (step ids).
 *
 * The partial rows of `conversation_summary` are merged here with GROUP BY, not with
 * FINAL as the other conversation reads do (conversation-facts.ts): FINAL's merge of
 * the `steps` arrays made it the cost of every flow read (1 M events, one bot's 30 days:
 * 40.8 ms to sum the step counts with FINAL, 7.6 ms reading the same rows unmerged; the
 * whole path-explorer query 50.2 → 28.3 ms p50, same answer; measured 2026-12-02, load
 * average ~6). No partial row may be dropped on time before the merge: a conversation
 * begun before the range would then look as if it began in it
 * (test/analytics/conversation-start-split.test.ts).
 */
export function flowConversationsSql(filterWhere: string): string {
  return `
    SELECT conversation_id, st, arrayMap(x -> x.2, st) AS ids
    FROM (
      SELECT conversation_id,
        arraySort(x -> x.1, groupArrayArray(steps)) AS st,
        min(start_ts) AS s,
        min(first) AS f,
        f.3 AS first_channel,
        f.4 AS first_language
      FROM conversation_summary
      WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
      GROUP BY conversation_id
      HAVING s >= fromUnixTimestamp64Milli({start_ms:Int64}) AND s < fromUnixTimestamp64Milli({end_ms:Int64})
        ${filterWhere}
    )`;
}

/**
 * Path explorer: conversations whose step sequence starts with {path}, counted
 * by the node right after the prefix, or DROPOFF when the sequence ends there.
 * Conversations without any step have no flow and are left out.
 */
export function flowsSql(filterWhere: string): string {
  return `
    SELECT
      if(length(ids) > {path_len:UInt32}, ids[{path_len:UInt32} + 1], '${DROPOFF}') AS id,
      count() AS occurrences
    FROM (${flowConversationsSql(filterWhere)})
    WHERE length(ids) > 0
      AND length(ids) >= {path_len:UInt32}
      AND arraySlice(ids, 1, {path_len:UInt32}) = {path:Array(String)}
    GROUP BY id
    ORDER BY occurrences DESC, id ASC`;
}

/** Times the step ran, conversations with it, conversations whose last step it is. */
export function flowStepDetailsSql(filterWhere: string): string {
  return `
    SELECT
      toUInt64(sum(countEqual(ids, {step:String}))) AS message_count,
      toUInt64(countIf(has(ids, {step:String}))) AS conversation_count,
      toUInt64(countIf(length(ids) > 0 AND ids[-1] = {step:String})) AS drop_off_count
    FROM (${flowConversationsSql(filterWhere)})
    WHERE has(ids, {step:String})`;
}

/**
 * Edges of a step, one per visit: `sources` = the step right before each visit
 * (a first step has none), `targets` = the step right after it or DROPOFF after
 * the last one. An edge is keyed by the neighbour's (step_id, step_type) as
 * recorded on the neighbour's event and by the requested step's step_type on
 * that visit (`self_type`, CONTRACT-LIVE-API §6: a step's type is its type on
 * that traversal), so one id seen with two types gives two edges.
 */
export function flowStepEdgesSql(filterWhere: string, direction: 'sources' | 'targets'): string {
  const neighbours =
    direction === 'sources'
      ? `arrayMap(i -> (st[i - 1].2, st[i - 1].3, st[i].3),
           arrayFilter(i -> i > 1 AND ids[i] = {step:String}, arrayEnumerate(ids)))`
      : `arrayMap(i -> if(i < length(st), (st[i + 1].2, st[i + 1].3, st[i].3), ('${DROPOFF}', '${DROPOFF}', st[i].3)),
           arrayFilter(i -> ids[i] = {step:String}, arrayEnumerate(ids)))`;
  return `
    SELECT e.1 AS id, e.2 AS type, e.3 AS self_type, count() AS count
    FROM (${flowConversationsSql(filterWhere)})
    ARRAY JOIN ${neighbours} AS e
    WHERE has(ids, {step:String})
    GROUP BY id, type, self_type
    ORDER BY count DESC, id ASC, type ASC, self_type ASC`;
}

/**
 * The bot's steps: every (step_id, step_type) run by the conversations in scope, with the
 * step-details counts per pair (a step id seen with two types gives two rows, as on edges).
 */
export function flowStepsSql(filterWhere: string): string {
  return `
    SELECT
      st[i].2 AS id,
      st[i].3 AS type,
      count() AS message_count,
      uniqExact(conversation_id) AS conversation_count,
      countIf(i = length(st)) AS drop_off_count
    FROM (${flowConversationsSql(filterWhere)})
    ARRAY JOIN arrayEnumerate(st) AS i
    GROUP BY id, type
    ORDER BY conversation_count DESC, id ASC, type ASC`;
}

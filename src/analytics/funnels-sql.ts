/**
 * SQL of the funnels (CONTRACT-LIVE-API §3), shared by the service and the benchmark so
 * both measure the same text. The funnel is computed in the engine: each actor's sequence
 * becomes an array of (ts, seq, step bitmask, breakdown text) sorted by the contract's
 * order, and array functions walk it. Nothing per event comes back to Node: the answer is
 * one row per breakdown value with the count of actors that reached each step.
 *
 * Step bitmask: bit k−1 is set when the event matches step k (its name or step id is the
 * step's, and it passes the step's filters). One event may match several steps (the same
 * step listed twice, or two steps naming the same event).
 *
 * Why not windowFunnel/sequenceMatch: windowFunnel needs a window (the contract has none),
 * lets one event advance one level only when timestamps strictly increase in some modes,
 * and breaks ties on equal timestamps by its own rules, not by ingest order; its
 * 'strict_order' also differs from "k consecutive events". The array logic below is the
 * contract's definition, step for step.
 */

/** Most steps a funnel may have (the contract's cap); the bitmask is a UInt32. */
export const MAX_FUNNEL_STEPS = 20;

export type FunnelOrderType = 'sequential' | 'strict';

/**
 * Depth reached and the 1-based index of the event that reached step 1 on that path,
 * as `(depth, start)` over the sorted arrays `masks` (UInt32) of one actor.
 *
 * sequential: a left fold that advances from step k to k+1 at the first later event with
 * bit k set (the contract's greedy walk; the earliest step-1 event starts the deepest
 * path, since a walk from an earlier start is never behind one from a later start).
 * strict: for each event matching step 1, the run of consecutive events i, i+1, … that
 * match steps 1, 2, …; the deepest run, the earliest on ties. Out-of-range indexes read
 * 0 in ClickHouse, which ends a run at the end of the sequence.
 */
export function depthSql(orderType: FunnelOrderType, nSteps: number): string {
  const s = String(nSteps);
  if (orderType === 'sequential') {
    return `(toUInt32(arrayFold((acc, m) -> toUInt32(if(acc < ${s} AND bitTest(m, acc), acc + 1, acc)), masks, toUInt32(0))),
             toUInt32(arrayFirstIndex(m -> bitTest(m, 0), masks)))`;
  }
  return `arraySort(x -> (-x.1, x.2),
            arrayMap(i -> (toUInt32(if(arrayFirstIndex(j -> NOT bitTest(masks[i + j], j), range(${s})) AS f = 0, ${s}, f - 1)),
                           toUInt32(i)),
                     arrayFilter(i -> bitTest(masks[i], 0), arrayEnumerate(masks))))[1]`;
}

/**
 * From per-actor rows (`masks`: the step bitmasks in sequence order, `bvals`: each
 * event's breakdown text, or a per-actor `bval` column) to one row per breakdown value:
 * `counts[k]` = actors whose depth ≥ k + 1. Actors that never reached step 1 drop out.
 */
export function countsSql(actorsSql: string, orderType: FunnelOrderType, nSteps: number, bvalSql: string): string {
  return `
    SELECT bval, sumForEach(arrayMap(k -> toUInt64(depth >= k), range(1, ${nSteps + 1}))) AS counts
    FROM (
      SELECT ${depthSql(orderType, nSteps)} AS r, r.1 AS depth, ${bvalSql} AS bval
      FROM (${actorsSql})
    )
    WHERE depth >= 1
    GROUP BY bval`;
}

/** Bitmask of one row: bit k set when `conds[k]` holds. */
export function maskSql(conds: readonly string[]): string {
  // ifNull: a condition that can be NULL must not make the mask Nullable, or an index past
  // the end of `masks` reads NULL (not 0) and the strict walk takes it for a match.
  return `toUInt32(${conds.map((c, k) => `bitShiftLeft(toUInt32(ifNull(${c}, 0)), ${k})`).join(' + ')})`;
}

export interface EventsFunnelSqlInput {
  orderType: FunnelOrderType;
  /** One boolean SQL expression per step over an events row (name and step filters). */
  stepConds: readonly string[];
  /** Top-level filters over an events row. */
  globalWhere: string;
  /** Breakdown text over an events row ('' without a breakdown). */
  breakdown: string | undefined;
  /** Every event name any step can match: rows of other names cannot change a sequential walk. */
  sequentialPrefilter: string;
}

/**
 * Events funnel: actors are users; a user's sequence is their tracking events of
 * bot+version in [start, end) that pass the top-level filters, by (ts, seq).
 * Parameters: team, bot, version, start_ms, end_ms (+ the filters' own).
 *
 * For `sequential`, events that match no step are dropped before grouping (they cannot
 * advance the walk); `strict` keeps them, since any event breaks a run.
 */
export function eventsFunnelSql(i: EventsFunnelSqlInput): string {
  const n = i.stepConds.length;
  const prefilter = i.orderType === 'sequential' ? `AND ${i.sequentialPrefilter}` : '';
  const bcol = i.breakdown === undefined ? `''` : i.breakdown;
  const actors = `
    SELECT user_id,
      arraySort(x -> (x.1, x.2), groupArray((ts, seq, mask, b))) AS evs,
      arrayMap(x -> x.3, evs) AS masks,
      arrayMap(x -> x.4, evs) AS bvals
    FROM (
      SELECT user_id, ts, seq, ${maskSql(i.stepConds)} AS mask,
        ${i.breakdown === undefined ? `''` : `if(bitTest(mask, 0), ${bcol}, '')`} AS b
      FROM events
      WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
        AND type = 'tracking'
        AND ts >= fromUnixTimestamp64Milli({start_ms:Int64}) AND ts < fromUnixTimestamp64Milli({end_ms:Int64})
        ${prefilter}
        AND ${i.globalWhere}
    )
    GROUP BY user_id
    HAVING arrayExists(m -> bitTest(m, 0), masks)`;
  return countsSql(actors, i.orderType, n, 'bvals[r.2]');
}

export interface FlowFunnelSqlInput {
  orderType: FunnelOrderType;
  /** Step ids, one per step (parameters `sid{k}`). */
  stepCount: number;
  /** One boolean SQL expression per step over the conversation row (its filters), '1' when none. */
  stepFilters: readonly string[];
  /** Top-level filters over the conversation row. */
  globalWhere: string;
  /** Breakdown text over the conversation row ('' without a breakdown). */
  breakdown: string | undefined;
  /** The started-conversations subquery (conversation-facts.ts), one row per conversation. */
  conversationsSql: string;
}

/**
 * Flow funnel: actors are conversations that started in range; a conversation's
 * sequence is its step events in flow order (`st`, already sorted by (ts, seq)), each
 * matching step k when its step id is `sid{k}` and the conversation passes step k's
 * filters. Filters and breakdown read the conversation's first-event fields, so the
 * step-1 event's breakdown value is the conversation's own.
 */
export function flowFunnelSql(i: FlowFunnelSqlInput): string {
  const conds = Array.from(
    { length: i.stepCount },
    (_, k) => `(x.2 = {sid${k}:String} AND ${i.stepFilters[k] ?? '1'})`,
  );
  const actors = `
    SELECT arrayMap(x -> ${maskSql(conds)}, st) AS masks,
      ${i.breakdown === undefined ? `''` : i.breakdown} AS conv_b
    FROM (${i.conversationsSql})
    WHERE ${i.globalWhere} AND arrayExists(m -> bitTest(m, 0), masks)`;
  return countsSql(actors, i.orderType, i.stepCount, 'conv_b');
}

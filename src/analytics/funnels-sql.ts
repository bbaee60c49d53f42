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
  /** WHERE fragment selecting the bot and version (over conversation_summary and events alike). */
  keyWhere: string;
}

/**
 * Flow funnel: actors are conversations that started in range; a conversation's
 * sequence is its step events in flow order (ts, seq), each matching step k when its step
 * id is `sid{k}` and the conversation passes step k's filters. Filters and breakdown read
 * the conversation's first-event fields, so the step-1 event's breakdown value is the
 * conversation's own.
 *
 * Measured on 10 M events (bench/query.ts, a 30-day range of one bot, 17 k conversations):
 * reading `conversation_summary FINAL` with its `steps` arrays took 115–150 ms of the
 * query's ~160 ms. Here the conversations that started in range come from a GROUP BY
 * over conversation_summary without its steps (the same merge FINAL does: min start,
 * min first event; 20 ms), and their steps straight from `events` (type step, from
 * start_time on: no step of a conversation precedes its start), grouped per conversation
 * and sorted by (ts, seq); 109 ms → p50 about 35 % below the FINAL form. A sequential walk
 * only ever looks at events matching some step, so it reads only those step ids.
 */
export function flowFunnelSql(i: FlowFunnelSqlInput): string {
  const n = i.stepCount;
  const ids = Array.from({ length: n }, (_, k) => `{sid${k}:String}`);
  const idMask = maskSql(ids.map((id) => `step_id = ${id}`));
  const filterMask = maskSql(Array.from({ length: n }, (_, k) => i.stepFilters[k] ?? '1'));
  const onlyStepIds = i.orderType === 'sequential' ? `AND step_id IN (${ids.join(', ')})` : '';
  const actors = `
    SELECT arrayMap(m -> bitAnd(m, c.fmask), s.idmasks) AS masks, c.conv_b AS conv_b
    FROM (
      SELECT cid, ${filterMask} AS fmask, ${i.breakdown === undefined ? `''` : i.breakdown} AS conv_b
      FROM (
        SELECT conversation_id AS cid, min(start_ts) AS started, min(first) AS f,
          f.3 AS first_channel, f.4 AS first_language, f.5 AS first_campaign_id, f.6 AS first_campaign_source
        FROM conversation_summary
        WHERE ${i.keyWhere}
        GROUP BY conversation_id
        HAVING started >= fromUnixTimestamp64Milli({start_ms:Int64}) AND started < fromUnixTimestamp64Milli({end_ms:Int64})
      )
      WHERE ${i.globalWhere}
    ) AS c
    INNER JOIN (
      SELECT conversation_id AS cid,
        arrayMap(x -> x.3, arraySort(x -> (x.1, x.2), groupArray((ts, seq, ${idMask})))) AS idmasks
      FROM events
      WHERE ${i.keyWhere} AND type = 'step'
        AND ts >= fromUnixTimestamp64Milli({start_ms:Int64}) ${onlyStepIds}
      GROUP BY conversation_id
    ) AS s ON s.cid = c.cid
    WHERE arrayExists(m -> bitTest(m, 0), masks)`;
  return countsSql(actors, i.orderType, n, 'conv_b');
}

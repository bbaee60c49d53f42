/**
 * Benchmark cases of the flow endpoints, plugged into bench/query.ts through
 * bench/query-cases.ts (`npm run bench:query`). Each case gives:
 *  - the HTTP path and query string (end-to-end timing through the API),
 *  - the raw ClickHouse SQL the service runs, with its server-side parameters
 *    (engine timing without HTTP), built from the very same SQL builders,
 *  - a straightforward PostgreSQL baseline over the bench's copy of the stored
 *    events (`bench_query_events`, bench/query-pg.ts): window functions (LAG/LEAD/ROW_NUMBER) over raw events,
 *    which is how one would write it without derived tables.
 *
 * PostgreSQL parameters are positional ($1…); `pgParams` gives them in order.
 * All SQL takes values as parameters, never spliced into the text.
 */

import { FIRST_EVENT_FILTER_COLS } from '../src/analytics/conversation-facts.ts';
import { DROPOFF, flowStepDetailsSql, flowStepEdgesSql, flowsSql } from '../src/analytics/flows-sql.ts';
import { filterSql } from '../src/analytics/sql.ts';
import { TABLE } from './query-pg.ts';

export interface FlowBenchInput {
  team: string;
  bot: string;
  version: 'DRAFT' | 'LIVE';
  startMs: number;
  endMs: number;
  /** A step id that exists in the bot's flows (e.g. the most frequent first step). */
  step: string;
  /** A path prefix up to 5 steps deep that exists in the data. */
  path: string[];
}

export interface FlowBenchCase {
  name: string;
  operationId: 'Analytics_GetFlows' | 'Analytics_GetFlowStepDetails' | 'Analytics_GetFlowStepEdges';
  /** URL path (without host) and query string of the API request. */
  path(i: FlowBenchInput): string;
  query(i: FlowBenchInput): URLSearchParams;
  clickhouse(i: FlowBenchInput): { sql: string; params: Record<string, unknown> };
  postgres(i: FlowBenchInput): { sql: string; params: unknown[] };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function rangeQuery(i: FlowBenchInput, withVersion: boolean): URLSearchParams {
  const q = new URLSearchParams({ start_time: iso(i.startMs), end_time: iso(i.endMs) });
  if (withVersion) q.set('version', i.version);
  return q;
}

function chParams(i: FlowBenchInput): Record<string, unknown> {
  return { team: i.team, bot: i.bot, version: i.version, tz: 'UTC', start_ms: i.startMs, end_ms: i.endMs };
}

const NO_FILTER = filterSql({ channelTypes: [], languages: [] }, FIRST_EVENT_FILTER_COLS).sql;

/**
 * PostgreSQL: conversations of the bot+version that started in range (their first
 * event of any kind), and their step events numbered by (ts, seq) with neighbours.
 * $1 team, $2 bot, $3 version, $4 start, $5 end.
 */
const PG_STEPS = `
  WITH conv AS (
    SELECT conversation_id
    FROM ${TABLE}
    WHERE team_id = $1 AND bot_id = $2 AND version = $3 AND type IN ('message', 'step', 'tracking')
    GROUP BY conversation_id
    HAVING min(ts) >= $4 AND min(ts) < $5
  ),
  steps AS (
    SELECT e.conversation_id, e.step_id, e.step_type,
      ROW_NUMBER() OVER w AS pos,
      LAG(e.step_id) OVER w AS prev_id, LAG(e.step_type) OVER w AS prev_type,
      LEAD(e.step_id) OVER w AS next_id, LEAD(e.step_type) OVER w AS next_type
    FROM ${TABLE} e JOIN conv c ON c.conversation_id = e.conversation_id
    WHERE e.team_id = $1 AND e.bot_id = $2 AND e.version = $3 AND e.type = 'step'
    WINDOW w AS (PARTITION BY e.conversation_id ORDER BY e.ts, e.seq)
  )`;

/** Count desc, then id (and type) in byte order, like ClickHouse's String order. */
const pgRanked = (ctes: string, select: string, countCol: string, byType: boolean): string =>
  `${ctes}
  SELECT * FROM (${select}) r ORDER BY ${countCol} DESC, id COLLATE "C"${byType ? ', type COLLATE "C"' : ''}`;

const pgRange = (i: FlowBenchInput): unknown[] => [i.team, i.bot, i.version, iso(i.startMs), iso(i.endMs)];

export const FLOW_BENCH_CASES: FlowBenchCase[] = [
  {
    name: 'flows (first steps)',
    operationId: 'Analytics_GetFlows',
    path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/flows`,
    query: (i) => rangeQuery(i, true),
    clickhouse: (i) => ({ sql: flowsSql(NO_FILTER), params: { ...chParams(i), path: [], path_len: 0 } }),
    postgres: (i) => ({
      sql: pgRanked(
        PG_STEPS,
        'SELECT step_id AS id, count(*) AS occurrences FROM steps WHERE pos = 1 GROUP BY 1',
        'occurrences',
        false,
      ),
      params: pgRange(i),
    }),
  },
  {
    name: 'flows (path up to 5 deep)',
    operationId: 'Analytics_GetFlows',
    path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/flows`,
    query: (i) => {
      const q = rangeQuery(i, true);
      for (const p of i.path) q.append('path', p);
      return q;
    },
    clickhouse: (i) => ({
      sql: flowsSql(NO_FILTER),
      params: { ...chParams(i), path: i.path, path_len: i.path.length },
    }),
    // Sequence per conversation as an array, prefix compared, then the element after it.
    postgres: (i) => ({
      sql: pgRanked(
        `${PG_STEPS},
        seqs AS (SELECT conversation_id, array_agg(step_id ORDER BY pos) AS ids FROM steps GROUP BY conversation_id)`,
        `SELECT COALESCE(ids[cardinality($6::text[]) + 1], '${DROPOFF}') AS id, count(*) AS occurrences
        FROM seqs
        WHERE cardinality(ids) >= cardinality($6::text[])
          AND ids[1:cardinality($6::text[])] = $6::text[]
        GROUP BY 1`,
        'occurrences',
        false,
      ),
      params: [...pgRange(i), i.path],
    }),
  },
  {
    name: 'flow step details',
    operationId: 'Analytics_GetFlowStepDetails',
    path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/flows/${encodeURIComponent(i.step)}`,
    query: (i) => rangeQuery(i, true),
    clickhouse: (i) => ({ sql: flowStepDetailsSql(NO_FILTER), params: { ...chParams(i), step: i.step } }),
    postgres: (i) => ({
      sql: `${PG_STEPS}
        SELECT count(*) AS message_count,
          count(DISTINCT conversation_id) AS conversation_count,
          count(*) FILTER (WHERE next_id IS NULL) AS drop_off_count
        FROM steps WHERE step_id = $6`,
      params: [...pgRange(i), i.step],
    }),
  },
  ...(['sources', 'targets'] as const).map(
    (type): FlowBenchCase => ({
      name: `flow step edges (${type})`,
      operationId: 'Analytics_GetFlowStepEdges',
      path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/${i.version}/flows/${encodeURIComponent(i.step)}/edges`,
      query: (i) => {
        const q = rangeQuery(i, false);
        q.set('type', type);
        return q;
      },
      clickhouse: (i) => ({ sql: flowStepEdgesSql(NO_FILTER, type), params: { ...chParams(i), step: i.step } }),
      postgres: (i) => ({
        sql:
          type === 'sources'
            ? pgRanked(
                PG_STEPS,
                `SELECT prev_id AS id, prev_type AS type, count(*) AS count FROM steps
                WHERE step_id = $6 AND prev_id IS NOT NULL GROUP BY 1, 2`,
                'count',
                true,
              )
            : pgRanked(
                PG_STEPS,
                `SELECT COALESCE(next_id, '${DROPOFF}') AS id, COALESCE(next_type, '${DROPOFF}') AS type, count(*) AS count
                FROM steps WHERE step_id = $6 GROUP BY 1, 2`,
                'count',
                true,
              ),
        params: [...pgRange(i), i.step],
      }),
    }),
  ),
];

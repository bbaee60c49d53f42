/**
 * Benchmark cases of the funnels (CONTRACT-LIVE-API §3), plugged into bench/query.ts through
 * bench/query-cases.ts (`npm run bench:query -- --only funnel`). Each case gives:
 *  - the HTTP request (POST body) for end-to-end timing,
 *  - the ClickHouse SQL the service runs, from the very same builders (src/analytics/funnels.ts),
 *  - a straightforward PostgreSQL baseline over the bench's copy of the stored events
 *    (`bench_query_events`): the greedy sequential walk written the usual way, one
 *    LATERAL "first matching event after the previous step" per step, on the
 *    (bot_id, version, user_id, ts) / (bot_id, version, conversation_id) indexes.
 *
 * Cases: events and flow funnels of 3 and 5 steps over 30 days, sequential, with and without
 * a breakdown (events: an attribute of the step-1 event; flows: the first event's channel).
 */
import { eventsFunnelQuery, type FunnelRequest, flowFunnelQuery } from '../src/analytics/funnels.ts';
import { TABLE } from './query-pg.ts';

export interface FunnelBenchInput {
  team: string;
  bot: string;
  startMs: number;
  endMs: number;
  /** The bot's tracking-event names in range, most frequent first (at least one). */
  names: string[];
  /** An attribute key of the first name's events (the events breakdown). */
  key: string;
  /** The bot's most frequent flow path (at least one step). */
  path: string[];
}

export interface FunnelBenchCase {
  name: string;
  operationId: 'Analytics_ComputeEventsFunnel' | 'Analytics_ComputeFlowFunnel';
  path(i: FunnelBenchInput): string;
  body(i: FunnelBenchInput): Record<string, unknown>;
  clickhouse(i: FunnelBenchInput): { sql: string; params: Record<string, unknown> };
  postgres(i: FunnelBenchInput): { sql: string; params: unknown[] };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `n` step ids cycling through `ids` (a bot with fewer names repeats them: still a valid funnel). */
const take = (ids: string[], n: number): string[] => Array.from({ length: n }, (_, k) => ids[k % ids.length] ?? 'x');

function request(i: FunnelBenchInput, ids: string[], breakdown: string | undefined): FunnelRequest {
  return {
    teamId: i.team,
    botId: i.bot,
    version: 'LIVE',
    range: { startMs: i.startMs, endMs: i.endMs, tz: 'UTC', bucket: undefined, bucketStarts: [i.startMs], labels: [] },
    steps: ids.map((event_id, k) => ({ order: k + 1, event_id, properties: [] })),
    orderType: 'sequential',
    breakdown,
    properties: [],
  };
}

function body(i: FunnelBenchInput, ids: string[], breakdown: string | undefined): Record<string, unknown> {
  return {
    version: 'LIVE',
    start_time: iso(i.startMs),
    end_time: iso(i.endMs),
    steps: ids.map((event_id, k) => ({ order: k + 1, event_id })),
    ...(breakdown ? { breakdown_property: breakdown } : {}),
  };
}

/**
 * PostgreSQL: s1 = each actor's first step-1 event; s(k) = the first step-k event after
 * s(k−1)'s, per actor, by (ts, seq). Counts per step and breakdown value.
 * `first` selects (actor, ts, seq, b) of step 1; `next(k)` the LATERAL lookup of step k.
 */
function pgChain(first: string, next: (k: number) => string, n: number): string {
  const ctes = [`s1 AS (${first})`];
  for (let k = 2; k <= n; k++) {
    ctes.push(`s${k} AS (SELECT p.actor, x.ts, x.seq, p.b FROM s${k - 1} p CROSS JOIN LATERAL (${next(k)}) x)`);
  }
  const union = Array.from({ length: n }, (_, k) => `SELECT ${k + 1} AS k, b FROM s${k + 1}`).join(' UNION ALL ');
  return `WITH ${ctes.join(',\n')}
    SELECT b, k, count(*) AS n FROM (${union}) u GROUP BY b, k ORDER BY b, k`;
}

// $1 bot, $2 version, $3 start, $4 end, $5 breakdown key ('' = none), $6… step names.
function pgEvents(i: FunnelBenchInput, ids: string[], breakdown: string | undefined) {
  const tracking = `bot_id = $1 AND version = $2 AND type = 'tracking' AND ts >= $3 AND ts < $4`;
  const first = `SELECT DISTINCT ON (user_id) user_id AS actor, ts, seq,
      CASE WHEN $5 = '' THEN '' ELSE coalesce(attributes->>$5, '') END AS b
    FROM ${TABLE} WHERE ${tracking} AND event_name = $6 ORDER BY user_id, ts, seq`;
  const next = (k: number) => `SELECT ts, seq FROM ${TABLE}
      WHERE ${tracking} AND user_id = p.actor AND event_name = $${5 + k} AND (ts, seq) > (p.ts, p.seq)
      ORDER BY ts, seq LIMIT 1`;
  return {
    sql: pgChain(first, next, ids.length),
    params: [i.bot, 'LIVE', iso(i.startMs), iso(i.endMs), breakdown ?? '', ...ids],
  };
}

// $1 bot, $2 version, $3 start, $4 end, $5 breakdown on (1/0), $6… step ids.
function pgFlows(i: FunnelBenchInput, ids: string[], breakdown: boolean) {
  const conv = `SELECT conversation_id, (array_agg(channel_type ORDER BY ts, seq))[1] AS ch
    FROM ${TABLE} WHERE bot_id = $1 AND version = $2 AND type IN ('message', 'step', 'tracking') AND conversation_id <> ''
    GROUP BY conversation_id HAVING min(ts) >= $3 AND min(ts) < $4`;
  const stepAfter = (k: number, after: string) => `SELECT ts, seq FROM ${TABLE}
      WHERE bot_id = $1 AND version = $2 AND type = 'step' AND conversation_id = p.actor AND step_id = $${5 + k} ${after}
      ORDER BY ts, seq LIMIT 1`;
  const first = `SELECT p.actor, x.ts, x.seq, p.b
    FROM (SELECT conversation_id AS actor, CASE WHEN $5 = 1 THEN ch ELSE '' END AS b FROM (${conv}) c) p
    CROSS JOIN LATERAL (${stepAfter(1, '')}) x`;
  return {
    sql: pgChain(first, (k) => stepAfter(k, 'AND (ts, seq) > (p.ts, p.seq)'), ids.length),
    params: [i.bot, 'LIVE', iso(i.startMs), iso(i.endMs), breakdown ? 1 : 0, ...ids],
  };
}

function eventsCase(n: number, withBreakdown: boolean): FunnelBenchCase {
  const ids = (i: FunnelBenchInput) => take(i.names, n);
  const bd = (i: FunnelBenchInput) => (withBreakdown ? i.key : undefined);
  return {
    name: `events funnel ${n} steps${withBreakdown ? ', breakdown' : ''}`,
    operationId: 'Analytics_ComputeEventsFunnel',
    path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/events/funnel`,
    body: (i) => body(i, ids(i), bd(i)),
    clickhouse: (i) => {
      const q = eventsFunnelQuery(
        request(i, ids(i), bd(i)),
        ids(i).map((x) => [x]),
      );
      return { sql: q.query, params: q.params };
    },
    postgres: (i) => pgEvents(i, ids(i), bd(i)),
  };
}

function flowsCase(n: number, withBreakdown: boolean): FunnelBenchCase {
  const ids = (i: FunnelBenchInput) => take(i.path, n);
  const bd = withBreakdown ? 'channel_type' : undefined;
  return {
    name: `flow funnel ${n} steps${withBreakdown ? ', breakdown' : ''}`,
    operationId: 'Analytics_ComputeFlowFunnel',
    path: (i) => `/v1/bots/${encodeURIComponent(i.bot)}/flows/funnel`,
    body: (i) => body(i, ids(i), bd),
    clickhouse: (i) => {
      const q = flowFunnelQuery(request(i, ids(i), bd));
      return { sql: q.query, params: q.params };
    },
    postgres: (i) => pgFlows(i, ids(i), withBreakdown),
  };
}

export const FUNNEL_BENCH_CASES: FunnelBenchCase[] = [
  eventsCase(3, false),
  eventsCase(3, true),
  eventsCase(5, false),
  eventsCase(5, true),
  flowsCase(3, false),
  flowsCase(3, true),
  flowsCase(5, false),
  flowsCase(5, true),
];

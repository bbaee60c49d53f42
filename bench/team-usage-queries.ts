/**
 * Benchmark cases of the team usage endpoints (issue 6), plugged into
 * `npm run bench:query` (bench/query.ts, through bench/query-cases.ts). Each case gives the HTTP request, the exact
 * ClickHouse SQL the endpoint runs for it (built by the same builders as the handler,
 * so it cannot drift), and a straightforward PostgreSQL equivalent over the bench's copy
 * of the stored events (`bench_query_events`, bench/query-pg.ts: ts as timestamptz,
 * `answered` as smallint, LowCardinality(String) as text) and no pre-aggregation.
 */

import { FIRST_EVENT_FIELDS, type TeamGroupField } from '../src/analytics/team-group-by.ts';
import { KNOWLEDGE_BASE_BUCKETS, TEAM_CONVERSATION_BUCKETS, VOICE_BUCKETS } from '../src/analytics/team-usage.ts';
import {
  type BuiltQuery,
  knowledgeBaseSql,
  teamConversationsSql,
  voiceMinutesSql,
} from '../src/analytics/team-usage-sql.ts';
import type { Bucket, TimeRange } from '../src/analytics/time-range.ts';
import {
  filtersParam,
  listParam,
  teamGroupByParam as parseGroupBy,
  rangeParam as parseTimeRange,
} from '../src/api/params.ts';
import { TABLE } from './query-pg.ts';

export interface TeamBenchContext {
  teamId: string;
  /** End of the data (exclusive); the range ends at the next UTC midnight after it. */
  nowMs: number;
  /** Range length in days, ending at `nowMs` (issue 6 target: 90). */
  days: number;
  timezone?: string;
}

export interface PgQuery {
  text: string;
  values: unknown[];
}

export interface TeamUsageBenchCase {
  name: string;
  operationId: string;
  path(ctx: TeamBenchContext): string;
  query(ctx: TeamBenchContext): Record<string, string>;
  /** The SQL and server-side parameters the endpoint runs for `query(ctx)`. */
  clickhouse(ctx: TeamBenchContext): BuiltQuery;
  postgres(ctx: TeamBenchContext): PgQuery;
}

const DAY_MS = 86_400_000;
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Whole UTC days covering the last `days` days up to nowMs. */
function timeParams(ctx: TeamBenchContext): Record<string, string> {
  const end = Math.floor(ctx.nowMs / DAY_MS) * DAY_MS + DAY_MS;
  return {
    start_time: isoDate(end - ctx.days * DAY_MS),
    end_time: isoDate(end),
    ...(ctx.timezone ? { timezone: ctx.timezone } : {}),
  };
}

const PG_TRUNC: Record<Bucket, string> = { '1h': 'hour', '1d': 'day', '1w': 'week', '1m': 'month' };

/** Bucket start (epoch ms) in PostgreSQL: date_trunc in the zone ($tz), or the range start. */
function pgBucket(range: TimeRange, col: string, values: unknown[]): string {
  if (!range.bucket) {
    values.push(range.startMs);
    return `$${values.length}::bigint`;
  }
  values.push(PG_TRUNC[range.bucket], range.tz);
  return `(extract(epoch FROM date_trunc($${values.length - 1}, ${col}, $${values.length})) * 1000)::bigint`;
}

function pgRange(range: TimeRange, col: string, values: unknown[]): string {
  values.push(range.startMs, range.endMs);
  const a = values.length - 1;
  return `${col} >= to_timestamp($${a}::bigint / 1000.0) AND ${col} < to_timestamp($${a + 1}::bigint / 1000.0)`;
}

function pgList(col: string, list: readonly string[], values: unknown[]): string {
  if (list.length === 0) return '';
  values.push(list);
  return ` AND ${col} = ANY($${values.length}::text[])`;
}

/** Billable conversations straight from raw events: sessionized ids, first event by (ts, seq). */
function pgTeamConversations(team: string, range: TimeRange, fields: readonly TeamGroupField[]): PgQuery {
  const values: unknown[] = [team];
  const first = (col: string) => `(array_agg(${col} ORDER BY ts, seq))[1] AS ${col}`;
  const bucket = pgBucket(range, 's', values);
  const inRange = pgRange(range, 's', values);
  const groupCols = fields.map((f) => (FIRST_EVENT_FIELDS.includes(f) ? f : f === 'bot_version' ? 'version' : f));
  const text = `
WITH conv AS (
  SELECT team_id, bot_id, version, conversation_id,
      min(ts) AS s,
      count(*) FILTER (WHERE type = 'message' AND direction = 'user') AS um,
      ${first('channel_type')}, ${first('language')}, ${first('campaign_id')}, ${first('campaign_source')}
  FROM ${TABLE}
  WHERE team_id = $1 AND type IN ('message', 'step', 'tracking') AND conversation_id <> ''
  GROUP BY team_id, bot_id, version, conversation_id
)
SELECT ${[`${bucket} AS bucket_ms`, ...groupCols, 'count(*) AS n'].join(', ')}
FROM conv
WHERE ${inRange} AND um > 0
GROUP BY ${['bucket_ms', ...groupCols].join(', ')}`;
  return { text, values };
}

function pgVoice(team: string, range: TimeRange, languages: readonly string[]): PgQuery {
  const values: unknown[] = [team];
  const bucket = pgBucket(range, 'ts', values);
  const where = pgRange(range, 'ts', values) + pgList('language', languages, values);
  const text = `
SELECT ${bucket} AS bucket_ms, sum(ceil(duration_seconds / 60))::bigint AS n
FROM ${TABLE}
WHERE team_id = $1 AND type = 'voice_call' AND ${where}
GROUP BY 1`;
  return { text, values };
}

function pgKnowledgeBase(team: string, range: TimeRange, channels: string[], languages: string[]): PgQuery {
  const values: unknown[] = [team];
  const bucket = pgBucket(range, 'ts', values);
  const where =
    pgRange(range, 'ts', values) + pgList('channel_type', channels, values) + pgList('language', languages, values);
  const text = `
SELECT ${bucket} AS bucket_ms,
    count(*) FILTER (WHERE answered = 1) AS n_answered,
    count(*) FILTER (WHERE answered = 0) AS n_unanswered
FROM ${TABLE}
WHERE team_id = $1 AND type = 'kb_query' AND ${where}
GROUP BY 1`;
  return { text, values };
}

function teamConversationsCase(name: string, extra: Record<string, string>): TeamUsageBenchCase {
  const query = (ctx: TeamBenchContext) => ({ ...timeParams(ctx), ...extra });
  const parsed = (ctx: TeamBenchContext) => {
    const q = query(ctx);
    return { range: parseTimeRange(q, { buckets: TEAM_CONVERSATION_BUCKETS }), fields: parseGroupBy(q.group_by) };
  };
  return {
    name,
    operationId: 'Analytics_GetTeamConversationsUsage',
    path: (ctx) => `/v1/teams/${encodeURIComponent(ctx.teamId)}/conversations`,
    query,
    clickhouse: (ctx) => {
      const { range, fields } = parsed(ctx);
      return teamConversationsSql(ctx.teamId, range, fields);
    },
    postgres: (ctx) => {
      const { range, fields } = parsed(ctx);
      return pgTeamConversations(ctx.teamId, range, fields);
    },
  };
}

/** The cases; the first is the issue's target query (p95 ≤ 100 ms, 20 bots, 90 days, 10 M events). */
export const teamUsageBenchCases: TeamUsageBenchCase[] = [
  teamConversationsCase('team conversations 1d group_by=bot_id,channel_type', {
    bucket: '1d',
    group_by: 'bot_id,channel_type',
  }),
  teamConversationsCase('team conversations 1m ungrouped', { bucket: '1m' }),
  {
    name: 'voice minutes 1d',
    operationId: 'Analytics_GetVoiceAnalytics',
    path: (ctx) => `/v1/teams/${encodeURIComponent(ctx.teamId)}/voice_minutes`,
    query: (ctx) => ({ ...timeParams(ctx), bucket: '1d' }),
    clickhouse: (ctx) => {
      const q = { ...timeParams(ctx), bucket: '1d' };
      return voiceMinutesSql(ctx.teamId, parseTimeRange(q, { buckets: VOICE_BUCKETS }), listParam(undefined));
    },
    postgres: (ctx) => {
      const q = { ...timeParams(ctx), bucket: '1d' };
      return pgVoice(ctx.teamId, parseTimeRange(q, { buckets: VOICE_BUCKETS }), []);
    },
  },
  {
    name: 'knowledge base 1w',
    operationId: 'Analytics_GetTeamKnowledgeBaseUsage',
    path: (ctx) => `/v1beta1/teams/${encodeURIComponent(ctx.teamId)}/knowledge_base`,
    query: (ctx) => ({ ...timeParams(ctx), bucket: '1w' }),
    clickhouse: (ctx) => {
      const q = { ...timeParams(ctx), bucket: '1w' };
      const range = parseTimeRange(q, { buckets: KNOWLEDGE_BASE_BUCKETS, bucketRequired: true });
      return knowledgeBaseSql(ctx.teamId, range, filtersParam(q));
    },
    postgres: (ctx) => {
      const q = { ...timeParams(ctx), bucket: '1w' };
      const range = parseTimeRange(q, { buckets: KNOWLEDGE_BASE_BUCKETS, bucketRequired: true });
      return pgKnowledgeBase(ctx.teamId, range, [], []);
    },
  },
];

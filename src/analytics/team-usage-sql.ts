/**
 * ClickHouse SQL of the three team-usage endpoints, as pure builders so the HTTP
 * handlers and the benchmark run the very same text. Every value travels as a
 * server-side parameter; only fixed column names are spliced in.
 */
import { MAX_CALL_SECONDS } from '../ingest/limits.ts';
import { startedConversationsSql } from './conversation-facts.ts';
import { bucketStartSql, type Filters, filterSql, IN_RANGE, rangeParams } from './sql.ts';
import { GROUP_COLUMN, type TeamGroupField } from './team-group-by.ts';
import type { TimeRange } from './time-range.ts';

export interface BuiltQuery {
  query: string;
  params: Record<string, unknown>;
}

/**
 * Billable conversations (CONTRACT §2, §7): conversations of the team (both versions)
 * that STARTED in range and have at least one user message anywhere, also after
 * end_time. Conversations come merged from `conversation_summary` (migration 051, read
 * with FINAL, see startedConversationsSql): a supplied id is scoped to its bot and
 * version, its start is the true one and its first-event fields come from the event
 * with the smallest (ts, seq).
 *
 * Result rows: bucket_ms, g0..g(n-1) (group values in group_by order), n.
 */
export function teamConversationsSql(team: string, range: TimeRange, fields: readonly TeamGroupField[]): BuiltQuery {
  const inner = startedConversationsSql({ keyWhere: 'team_id = {team:String}', where: ' AND um > 0' });
  const groupCols = fields.map((f, i) => `${GROUP_COLUMN[f]} AS g${i}`);
  const groupNames = fields.map((_, i) => `g${i}`);
  const query = `
SELECT ${[`${bucketStartSql(range, 's')} AS bucket_ms`, ...groupCols, 'count() AS n'].join(', ')}
FROM (${inner})
GROUP BY ${['bucket_ms', ...groupNames].join(', ')}`;
  return { query, params: { ...rangeParams(range), team } };
}

/**
 * Voice minutes (CONTRACT §2): every voice_call of the team (both versions) whose own
 * timestamp is in range counts ceil(duration_seconds / 60) minutes; a 0 s call is 0.
 * A call counts at most 24 h (the ingest bound), also one stored before the bound
 * existed: toUInt64 of a float past 2^64 is undefined and once wrapped the team's total.
 * Only `language` filters here (the seed has no channel_type on this endpoint).
 */
export function voiceMinutesSql(team: string, range: TimeRange, languages: readonly string[]): BuiltQuery {
  const filter = filterSql(
    { channelTypes: [], languages: [...languages] },
    { channel: 'channel_type', language: 'language' },
  );
  const query = `
SELECT ${bucketStartSql(range, 'ts')} AS bucket_ms,
    toUInt64(sum(toUInt64(ceil(least(duration_seconds, {max_call_s:Float64}) / 60)))) AS n
FROM events
WHERE team_id = {team:String} AND type = 'voice_call' AND ${IN_RANGE('ts')}${filter.sql}
GROUP BY bucket_ms`;
  return { query, params: { ...rangeParams(range), ...filter.params, team, max_call_s: MAX_CALL_SECONDS } };
}

/**
 * Knowledge-base usage: kb_query events of the team (both versions) by their own
 * timestamp, channel_type and language, split by the event's `answered` flag. (The
 * aliases differ from the column: ClickHouse would substitute an alias named
 * `answered` into countIf.)
 */
export function knowledgeBaseSql(team: string, range: TimeRange, filters: Filters): BuiltQuery {
  const filter = filterSql(filters, { channel: 'channel_type', language: 'language' });
  const query = `
SELECT ${bucketStartSql(range, 'ts')} AS bucket_ms,
    toUInt64(countIf(answered = 1)) AS n_answered,
    toUInt64(countIf(answered = 0)) AS n_unanswered
FROM events
WHERE team_id = {team:String} AND type = 'kb_query' AND ${IN_RANGE('ts')}${filter.sql}
GROUP BY bucket_ms`;
  return { query, params: { ...rangeParams(range), ...filter.params, team } };
}

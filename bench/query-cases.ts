/**
 * The entries of `npm run bench:query` (bench/query.ts): one per endpoint variant, for every
 * analytics endpoint of the API. Each entry builds its HTTP request and its PostgreSQL
 * baseline from a BenchCtx (the bot of this request, round-robin over the bots, and its
 * team); flows and team usage come from their case lists (bench/flows-queries.ts,
 * bench/team-usage-queries.ts), which also give the ClickHouse SQL they expect the server
 * to run (checked against what it did run, see bench/query.ts).
 */
import { DROPOFF } from '../src/analytics/flows-sql.ts';
import { kbTagsSql, kbUsageSql } from '../src/analytics/knowledge-base.ts';
import type { BotScope } from '../src/analytics/query.ts';
import { BOT_BUCKETS, parseTimeRange } from '../src/analytics/time-range.ts';
import { FLOW_BENCH_CASES, type FlowBenchInput } from './flows-queries.ts';
import { FUNNEL_BENCH_CASES, type FunnelBenchInput } from './funnel-queries.ts';
import { pgQuery } from './query-pg.ts';
import { type TeamBenchContext, teamUsageBenchCases } from './team-usage-queries.ts';

export type Family = 'bot analytics' | 'flows' | 'team usage' | 'events' | 'funnels';

// Targets per data size: bench/query-report.ts (issue 12).

/** Days of the team-usage range (issue 6 target: 90 days, the 20-bot team). */
export const TEAM_DAYS = 90;

export interface BenchCtx {
  team: string;
  bot: string;
  /** The bot's most common channel_type and language (filtered variants). */
  channel: string;
  language: string;
  /** Bot analytics and flows: 30 days ending at the last full UTC day of the data. */
  startMs: number;
  endMs: number;
  /** End of the generated data (team usage: TEAM_DAYS days up to the next UTC midnight). */
  nowMs: number;
  /** The bot's most frequent path (up to 5 steps) and the step the step endpoints ask about. */
  flow: { path: string[]; step: string };
  /** Funnels: the bot's tracking-event names in range (most frequent first) and an attribute key of the first. */
  tracking: { names: string[]; key: string };
  /** A conversation of the range with the most steps, and one of its user messages (conversation flow). */
  conversation: { id: string; messageId: string };
}

export interface PgText {
  text: string;
  values: unknown[];
}

export interface Entry {
  family: Family;
  operationId: string;
  label: string;
  /** A request with `body` is a POST of that JSON. */
  request(c: BenchCtx): { path: string; query: URLSearchParams; body?: unknown };
  pg?(c: BenchCtx): PgText;
  /** ClickHouse SQL text the case expects the request to run (undefined = not checked). */
  sql?(c: BenchCtx): string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

// Bot analytics: plain, filtered (event/first-event channel + language) and grouped where the
// endpoint has group_by; the baseline is the named query of bench/query-pg.ts.
function botEntry(
  operationId: string,
  label: string,
  suffix: string,
  kind: string,
  extra: Record<string, string>,
  filtered: boolean,
  groupBy?: string,
): Entry {
  return {
    family: 'bot analytics',
    operationId,
    label,
    request: (c) => {
      const query = new URLSearchParams({
        version: 'LIVE',
        start_time: iso(c.startMs),
        end_time: iso(c.endMs),
        ...extra,
      });
      if (filtered) {
        query.set('channel_type', c.channel);
        query.set('language', c.language);
      }
      if (groupBy) query.set('group_by', groupBy);
      return { path: `/v1/bots/${encodeURIComponent(c.bot)}${suffix}`, query };
    },
    pg: (c) =>
      pgQuery(
        kind,
        {
          bot: c.bot,
          version: 'LIVE',
          start: iso(c.startMs),
          end: iso(c.endMs),
          ...(filtered ? { channel: c.channel, language: c.language } : {}),
        },
        groupBy,
      ),
  };
}

const plainAndFiltered = (op: string, suffix: string, kind: string, extra: Record<string, string> = {}): Entry[] => [
  botEntry(`Analytics_${op}`, 'plain', suffix, kind, extra, false),
  botEntry(`Analytics_${op}`, 'filtered', suffix, kind, extra, true),
];

const DAILY = { bucket: '1d' };

const BOT_ANALYTICS: Entry[] = [
  ...plainAndFiltered('GetConversations', '/conversations', 'conversations', DAILY),
  botEntry(
    'Analytics_GetConversations',
    'group_by=channel_type',
    '/conversations',
    'conversations',
    DAILY,
    false,
    'channel_type',
  ),
  ...plainAndFiltered('GetConversationsInsights', '/conversations/insights', 'insights', { stat: 'num_messages' }),
  ...plainAndFiltered('GetMessages', '/messages', 'messages', DAILY),
  ...plainAndFiltered('GetUsers', '/users', 'users', DAILY),
  ...plainAndFiltered('GetUserActivity', '/users/activity', 'activity'),
  ...plainAndFiltered('GetIntents', '/intents', 'intents', DAILY),
  ...plainAndFiltered('GetIntentInsights', '/intents/insights', 'intent-insights', DAILY),
];

/**
 * Knowledge base per bot (issue 13, CONTRACT-LIVE-API §5; target: every new read p95 ≤ 50 ms):
 * usage per day and the tag ranking over the 30-day range, plain and filtered. No PostgreSQL
 * baseline (the issue asks one for funnels only); the expected SQL is the service's builder.
 */
function kbEntry(operationId: string, label: string, suffix: string, daily: boolean, filtered: boolean): Entry {
  const scope = (c: BenchCtx): BotScope => ({
    teamId: c.team,
    botId: c.bot,
    version: 'LIVE',
    range: parseTimeRange(
      { start_time: iso(c.startMs), end_time: iso(c.endMs), ...(daily ? { bucket: '1d' } : {}) },
      { buckets: BOT_BUCKETS },
    ),
    filters: filtered ? { channelTypes: [c.channel], languages: [c.language] } : { channelTypes: [], languages: [] },
  });
  return {
    family: 'bot analytics',
    operationId,
    label,
    request: (c) => {
      const query = new URLSearchParams({ version: 'LIVE', start_time: iso(c.startMs), end_time: iso(c.endMs) });
      if (daily) query.set('bucket', '1d');
      if (filtered) {
        query.set('channel_type', c.channel);
        query.set('language', c.language);
      }
      return { path: `/v1/bots/${encodeURIComponent(c.bot)}${suffix}`, query };
    },
    sql: (c) => (suffix.endsWith('/tags') ? kbTagsSql(scope(c)) : kbUsageSql(scope(c))).query,
  };
}

const KNOWLEDGE_BASE: Entry[] = [
  kbEntry('Analytics_GetKnowledgeBaseUsage', 'plain', '/knowledge_base', true, false),
  kbEntry('Analytics_GetKnowledgeBaseUsage', 'filtered', '/knowledge_base', true, true),
  kbEntry('Analytics_GetKnowledgeBaseTagsInsights', 'plain', '/knowledge_base/tags', false, false),
  kbEntry('Analytics_GetKnowledgeBaseTagsInsights', 'filtered', '/knowledge_base/tags', false, true),
];

const flowInput = (c: BenchCtx): FlowBenchInput => ({
  team: c.team,
  bot: c.bot,
  version: 'LIVE',
  startMs: c.startMs,
  endMs: c.endMs,
  step: c.flow.step,
  path: c.flow.path,
});

const FLOWS: Entry[] = FLOW_BENCH_CASES.map((fc) => ({
  family: 'flows',
  operationId: fc.operationId,
  label: fc.name,
  request: (c) => ({ path: fc.path(flowInput(c)), query: fc.query(flowInput(c)) }),
  pg: (c) => {
    const q = fc.postgres(flowInput(c));
    return { text: q.sql, values: q.params };
  },
  sql: (c) => fc.clickhouse(flowInput(c)).sql,
}));

// One conversation's flow (issue 13): the whole flow and one user message's window, over the
// same 30-day range; the reads are one conversation's events, so there is no PG baseline.
const conversationFlowEntry = (label: string, withMessage: boolean): Entry => ({
  family: 'bot analytics',
  operationId: 'Analytics_GetConversationFlow',
  label,
  request: (c) => {
    const query = new URLSearchParams({ version: 'LIVE', start_time: iso(c.startMs), end_time: iso(c.endMs) });
    if (withMessage) query.set('message_id', c.conversation.messageId);
    const path = `/v1/bots/${encodeURIComponent(c.bot)}/conversations/${encodeURIComponent(c.conversation.id)}/flow`;
    return { path, query };
  },
});

const CONVERSATION_FLOW: Entry[] = [
  conversationFlowEntry('whole flow', false),
  conversationFlowEntry('message_id', true),
];

const teamCtx = (c: BenchCtx): TeamBenchContext => ({ teamId: c.team, nowMs: c.nowMs, days: TEAM_DAYS });

const TEAM_USAGE: Entry[] = teamUsageBenchCases.map((tc) => ({
  family: 'team usage',
  operationId: tc.operationId,
  label: tc.name,
  request: (c) => ({ path: tc.path(teamCtx(c)), query: new URLSearchParams(tc.query(teamCtx(c))) }),
  pg: (c) => tc.postgres(teamCtx(c)),
  sql: (c) => tc.clickhouse(teamCtx(c)).query,
}));

// Tracking-event reads of the live API (issue 13): a first page of the bot's stream with an
// exact match, with attribute filters, the team's events, and one attribute's values.
const botPath = (c: BenchCtx, suffix: string) => `/v1/bots/${encodeURIComponent(c.bot)}${suffix}`;
const streamRange = (c: BenchCtx) => ({ start_time: iso(c.startMs), end_time: iso(c.endMs) });
const EVENTS: Entry[] = [
  {
    family: 'events',
    operationId: 'Analytics_ListEvents',
    label: 'event=link_clicked, 100 per page',
    request: (c) => ({
      path: botPath(c, '/events/stream'),
      query: new URLSearchParams({ version: 'LIVE', ...streamRange(c), event: 'link_clicked', page_size: '100' }),
    }),
  },
  {
    family: 'events',
    operationId: 'Analytics_ListEventsWithFilters',
    label: 'contains + $channel_type, 100 per page',
    request: (c) => ({
      path: botPath(c, '/events/stream'),
      query: new URLSearchParams(),
      body: {
        version: 'LIVE',
        ...streamRange(c),
        page_size: 100,
        filters: [
          { key: 'url', operator: 'contains', value: ['help'] },
          { key: '$channel_type', operator: 'eq', value: [c.channel] },
        ],
      },
    }),
  },
  {
    family: 'events',
    operationId: 'Analytics_GetTeamEvents',
    label: 'whole team, 100 per page',
    request: (c) => ({
      path: `/v1/teams/${encodeURIComponent(c.team)}/events`,
      query: new URLSearchParams({ ...streamRange(c), page_size: '100' }),
    }),
  },
  {
    family: 'events',
    operationId: 'Analytics_GetEventAttributeValues',
    label: 'url, query "help"',
    request: (c) => ({
      path: botPath(c, '/events/attributes/url/values'),
      query: new URLSearchParams(),
      body: { query: 'help' },
    }),
  },
];

const funnelInput = (c: BenchCtx): FunnelBenchInput => ({
  team: c.team,
  bot: c.bot,
  startMs: c.startMs,
  endMs: c.endMs,
  names: c.tracking.names,
  key: c.tracking.key,
  path: c.flow.path.length > 0 ? c.flow.path : [c.flow.step],
});

const FUNNELS: Entry[] = FUNNEL_BENCH_CASES.map((fc) => ({
  family: 'funnels',
  operationId: fc.operationId,
  label: fc.name,
  request: (c) => ({ path: fc.path(funnelInput(c)), query: new URLSearchParams(), body: fc.body(funnelInput(c)) }),
  pg: (c) => {
    const q = fc.postgres(funnelInput(c));
    return { text: q.sql, values: q.params };
  },
  sql: (c) => fc.clickhouse(funnelInput(c)).sql,
}));

export const ENTRIES: Entry[] = [
  ...BOT_ANALYTICS,
  ...FLOWS,
  ...TEAM_USAGE,
  ...KNOWLEDGE_BASE,
  ...EVENTS,
  ...FUNNELS,
  ...CONVERSATION_FLOW,
];

/**
 * The bot's most frequent path, found through the API itself: from the first steps, follow
 * the most frequent next step (never DROPOFF) up to `depth` steps. The step endpoints ask
 * about the second step of it (it has both sources and targets), else the first.
 */
export async function discoverFlow(
  getFlows: (path: string[]) => Promise<{ nodes: { id: string; occurrences: number }[] }>,
  depth = 5,
): Promise<BenchCtx['flow']> {
  const path: string[] = [];
  while (path.length < depth) {
    const { nodes } = await getFlows(path);
    const next = nodes.find((n) => n.id !== DROPOFF);
    if (!next) break;
    path.push(next.id);
  }
  return { path, step: path[1] ?? path[0] ?? 'welcome' };
}

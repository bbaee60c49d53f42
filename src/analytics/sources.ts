/**
 * The sources of the series endpoints, with the measures and dimensions each can give
 * (see measures.ts). Every value travels as a server-side parameter; only these fixed
 * column names and expressions are spliced into SQL.
 */
import { MAX_CALL_SECONDS } from '../ingest/limits.ts';
import { FIRST_EVENT_FILTER_COLS, startedConversationsSql } from './conversation-facts.ts';
import type { Source } from './measures.ts';
import { BOT_KEY, type BotScope, eventFilters, scopeParams } from './query.ts';
import { userMessageRows } from './rollup-source.ts';
import { type Filters, filterSql, IN_RANGE, rangeParams } from './sql.ts';
import { GROUP_COLUMN, type TeamGroupField } from './team-group-by.ts';
import type { TimeRange } from './time-range.ts';

export { MESSAGE_CATEGORY_SQL, UNDERSTOOD_SQL } from './rollup-source.ts';

type MessageMeasure = 'messages';
type MessageDimension = 'category' | 'intent';

/**
 * The bot's user messages in range, filtered on their own channel and language: from the
 * 15-minute rollup where it answers exactly, raw events elsewhere (rollup-source.ts), as rows
 * (t, category, intent, n) of n messages each.
 */
export const userMessages: Source<BotScope, MessageMeasure, MessageDimension> = {
  name: 'user messages (user_messages_15m + events)',
  rows: (s) => userMessageRows(s),
  time: 't',
  measures: { messages: 'sum(n)' },
  dimensions: { category: 'category', intent: 'intent' },
};

/** The understood ones of those (category 0): the messages intents are counted on. */
export const understoodMessages: Source<BotScope, MessageMeasure, MessageDimension> = {
  ...userMessages,
  name: 'understood user messages (user_messages_15m + events)',
  rows: (s) => userMessageRows(s, { understood: true }),
};

/**
 * Conversations of the bot+version that STARTED in range (§7), one row each, filtered on
 * their first event (see startedConversationsSql).
 */
export const startedConversations: Source<BotScope, 'conversations', 'channel_type' | 'language'> = {
  name: 'started conversations (conversation_summary)',
  rows: (s) => {
    const f = filterSql(s.filters, FIRST_EVENT_FILTER_COLS);
    return {
      from: `(${startedConversationsSql({ keyWhere: BOT_KEY, where: f.sql })})`,
      where: '1',
      params: { ...scopeParams(s), ...f.params },
    };
  },
  time: 's',
  measures: { conversations: 'count()' },
  dimensions: { channel_type: 'first_channel', language: 'first_language' },
};

/** A team-usage read: the whole team (both versions), a range, and the endpoint's filters. */
export interface TeamScope {
  team: string;
  range: TimeRange;
  filters: Filters;
}

/**
 * Billable conversations (CONTRACT §2, §7): conversations of the team (both versions) that
 * STARTED in range and have at least one user message anywhere, also after end_time, from
 * `conversation_summary` (startedConversationsSql: a supplied id is scoped to its bot and
 * version, its start is the true one, its first-event fields come from its smallest (ts, seq)).
 */
export const billableConversations: Source<TeamScope, 'conversations', TeamGroupField> = {
  name: 'billable conversations (conversation_summary)',
  rows: (s) => ({
    from: `(${startedConversationsSql({ keyWhere: 'team_id = {team:String}', where: ' AND um > 0' })})`,
    where: '1',
    params: { ...rangeParams(s.range), team: s.team },
  }),
  time: 's',
  measures: { conversations: 'count()' },
  dimensions: GROUP_COLUMN,
};

/**
 * Voice calls of the team (both versions) whose own timestamp is in range (CONTRACT §2): each
 * counts ceil(duration_seconds / 60) minutes, a 0 s call 0. A call counts at most 24 h (the
 * ingest bound), also one stored before the bound existed: toUInt64 of a float past 2^64 is
 * undefined and once wrapped the team's total. Only `language` filters (the seed has no
 * channel_type on this endpoint).
 */
export const voiceCalls: Source<TeamScope, 'minutes', never> = {
  name: 'voice calls (events)',
  rows: (s) => {
    const f = filterSql(
      { channelTypes: [], languages: s.filters.languages },
      { channel: 'channel_type', language: 'language' },
    );
    return {
      from: 'events',
      where: `team_id = {team:String} AND type = 'voice_call' AND ${IN_RANGE('ts')}${f.sql}`,
      params: { ...rangeParams(s.range), ...f.params, team: s.team, max_call_s: MAX_CALL_SECONDS },
    };
  },
  time: 'ts',
  measures: { minutes: 'sum(toUInt64(ceil(least(duration_seconds, {max_call_s:Float64}) / 60)))' },
  dimensions: {},
};

// Measure names differ from the `answered` column: ClickHouse would substitute an alias of
// that name into countIf.
const KB_MEASURES = { answered: 'countIf(answered = 1)', unanswered: 'countIf(answered = 0)' };

/** kb_query events of the bot+version in range, by their own timestamp, channel and language. */
export const botKbQueries: Source<BotScope, 'answered' | 'unanswered', never> = {
  name: 'knowledge-base queries of a bot (events)',
  rows: (s) => {
    const f = eventFilters(s);
    return {
      from: 'events',
      where: `${BOT_KEY} AND type = 'kb_query' AND ${IN_RANGE('ts')}${f.sql}`,
      params: { ...scopeParams(s), ...f.params },
    };
  },
  time: 'ts',
  measures: KB_MEASURES,
  dimensions: {},
};

/** kb_query events of the team (both versions) in range. */
export const teamKbQueries: Source<TeamScope, 'answered' | 'unanswered', never> = {
  name: 'knowledge-base queries of a team (events)',
  rows: (s) => {
    const f = filterSql(s.filters, { channel: 'channel_type', language: 'language' });
    return {
      from: 'events',
      where: `team_id = {team:String} AND type = 'kb_query' AND ${IN_RANGE('ts')}${f.sql}`,
      params: { ...rangeParams(s.range), ...f.params, team: s.team },
    };
  },
  time: 'ts',
  measures: KB_MEASURES,
  dimensions: {},
};

import {
  type ConversationGroup,
  type ConversationStat,
  conversationsInsights,
  conversationsSeries,
} from '../../analytics/conversations.ts';
import { decodeCursor, intentInsights, pageIntents, rankIntents } from '../../analytics/intents.ts';
import { messagesSeries } from '../../analytics/messages.ts';
import type { BotScope } from '../../analytics/query.ts';
import { BOT_BUCKETS } from '../../analytics/time-range.ts';
import { userActivity, usersSeries } from '../../analytics/users.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { badParam } from '../errors.ts';
import { botScopeParam } from '../params.ts';
import { firstParam as first } from '../querystring.ts';

function botScope(ctx: HandlerContext, withBucket: boolean): BotScope {
  return botScopeParam(
    ctx.principal.teamId,
    ctx.params.bot_id ?? '',
    ctx.query,
    withBucket ? { buckets: BOT_BUCKETS } : {},
  );
}

function groupByParam(v: unknown): ConversationGroup | undefined {
  const g = first(v);
  if (g === undefined || g === '') return undefined;
  if (g === 'channel_type' || g === 'language') return g;
  throw badParam('group_by', 'must be channel_type or language');
}

const STATS: readonly ConversationStat[] = ['num_messages', 'duration_seconds', 'num_conversations'];

function statParam(v: unknown): ConversationStat {
  const s = first(v);
  if (typeof s === 'string' && (STATS as readonly string[]).includes(s)) return s as ConversationStat;
  throw badParam('stat', `must be one of ${STATS.join(', ')}`);
}

/**
 * Page size: a non-negative integer (the schema already rejects non-numbers); > 100 is
 * clamped later (CONTRACT §7) — also past 2^53, where a number is still an integer but no
 * longer a "safe" one (first=9007199254740993 used to be a 400 while first=101 was clamped).
 */
function sizeParam(name: string, v: unknown): number | undefined {
  const raw = first(v);
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badParam(name, 'must be a non-negative integer');
  return n;
}

function cursorParam(name: string, v: unknown): number | undefined {
  const raw = first(v);
  if (raw === undefined || raw === '') return undefined;
  return decodeCursor(name, String(raw));
}

export const botAnalyticsHandlers: Record<string, Handler> = {
  Analytics_GetConversations: async (ctx) => {
    const scope = botScope(ctx, true);
    const groupBy = groupByParam(ctx.query.group_by);
    return { data: await conversationsSeries(ctx.services.reader, scope, groupBy, ctx.signal) };
  },
  Analytics_GetConversationsInsights: async (ctx) => {
    const stat = statParam(ctx.query.stat);
    const scope = botScope(ctx, false);
    return { data: await conversationsInsights(ctx.services.reader, scope, stat, ctx.signal) };
  },
  Analytics_GetMessages: async (ctx) => ({
    data: await messagesSeries(ctx.services.reader, botScope(ctx, true), ctx.signal),
  }),
  Analytics_GetUsers: async (ctx) => ({
    data: await usersSeries(ctx.services.reader, botScope(ctx, true), ctx.signal),
  }),
  Analytics_GetUserActivity: async (ctx) => ({
    data: await userActivity(ctx.services.reader, botScope(ctx, false), ctx.signal),
  }),
  Analytics_GetIntents: async (ctx) => {
    // `bucket` is validated (parseTimeRange) and otherwise ignored (§4).
    const scope = botScope(ctx, true);
    const page = {
      first: sizeParam('first', ctx.query.first),
      last: sizeParam('last', ctx.query.last),
      after: cursorParam('after', ctx.query.after),
      before: cursorParam('before', ctx.query.before),
    };
    if (page.first !== undefined && page.last !== undefined) {
      throw badParam('last', 'cannot be combined with first');
    }
    // Relay pages go one way: forward (first/after) or backward (last/before).
    if ((page.first !== undefined || page.after !== undefined) && page.before !== undefined) {
      throw badParam('before', 'cannot be combined with first or after');
    }
    if (page.last !== undefined && page.after !== undefined) {
      throw badParam('after', 'cannot be combined with last');
    }
    const ranked = await rankIntents(ctx.services.reader, scope, ctx.signal);
    return pageIntents(ranked, page);
  },
  Analytics_GetIntentInsights: async (ctx) => ({
    data: await intentInsights(ctx.services.reader, botScope(ctx, true), ctx.signal),
  }),
};

import { knowledgeBaseTags, knowledgeBaseUsage } from '../../analytics/knowledge-base.ts';
import { BOT_BUCKETS } from '../../analytics/time-range.ts';
import type { Handler } from '../context.ts';
import { botScopeParam } from '../params.ts';
import { teamUsageHandlers } from './team-usage.ts';

// The v1beta1 handler: the v1 team path is the same operation (CONTRACT-LIVE-API §5).
const teamKnowledgeBase = teamUsageHandlers.Analytics_GetTeamKnowledgeBaseUsage as Handler;

// The server has already checked that the bot belongs to the token's team (else 404).
export const knowledgeBaseHandlers: Record<string, Handler> = {
  // GET /v1/bots/{bot_id}/knowledge_base
  Analytics_GetKnowledgeBaseUsage: async ({ services, principal, params, query, signal }) => {
    // Bucket optional: absent = one bucket for the whole range (CONTRACT §3).
    const scope = botScopeParam(principal.teamId, params.bot_id ?? '', query, { buckets: BOT_BUCKETS });
    return { data: await knowledgeBaseUsage(services.reader, scope, signal) };
  },
  // GET /v1/bots/{bot_id}/knowledge_base/tags
  Analytics_GetKnowledgeBaseTagsInsights: async ({ services, principal, params, query, signal }) => {
    // No bucket here: the parameter is not declared, so like any undeclared one it is ignored.
    const scope = botScopeParam(principal.teamId, params.bot_id ?? '', query);
    return { data: await knowledgeBaseTags(services.reader, scope, signal) };
  },
  // GET /v1/teams/{team_id}/knowledge_base
  Analytics_GetTeamKnowledgeBaseUsageV1: (ctx) => teamKnowledgeBase(ctx),
};

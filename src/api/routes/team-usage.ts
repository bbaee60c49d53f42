import {
  KNOWLEDGE_BASE_BUCKETS,
  knowledgeBaseUsage,
  TEAM_CONVERSATION_BUCKETS,
  teamConversationsUsage,
  VOICE_BUCKETS,
  voiceMinutes,
} from '../../analytics/team-usage.ts';
import type { Handler } from '../context.ts';
import { filtersParam, listParam, rangeParam, teamGroupByParam } from '../params.ts';

// The server has already checked that team_id is the token's team (else 404).
export const teamUsageHandlers: Record<string, Handler> = {
  // GET /v1/teams/{team_id}/conversations
  Analytics_GetTeamConversationsUsage: async ({ services, params, query, signal }) => {
    const range = rangeParam(query, { buckets: TEAM_CONVERSATION_BUCKETS });
    const fields = teamGroupByParam(query.group_by);
    return { data: await teamConversationsUsage(services.reader, params.team_id ?? '', range, fields, signal) };
  },
  // GET /v1/teams/{team_id}/voice_minutes
  Analytics_GetVoiceAnalytics: async ({ services, params, query, signal }) => {
    const range = rangeParam(query, { buckets: VOICE_BUCKETS });
    return {
      data: await voiceMinutes(services.reader, params.team_id ?? '', range, listParam(query.language), signal),
    };
  },
  // GET /v1beta1/teams/{team_id}/knowledge_base
  Analytics_GetTeamKnowledgeBaseUsage: async ({ services, params, query, signal }) => {
    const range = rangeParam(query, { buckets: KNOWLEDGE_BASE_BUCKETS, bucketRequired: true });
    return {
      data: await knowledgeBaseUsage(services.reader, params.team_id ?? '', range, filtersParam(query), signal),
    };
  },
};

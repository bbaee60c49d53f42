import { knowledgeBaseUsage, teamConversationsUsage, voiceMinutes } from '../../analytics/team-usage.ts';
import type { Handler } from '../context.ts';

// The server has already checked that team_id is the token's team (else 404).
export const teamUsageHandlers: Record<string, Handler> = {
  Analytics_GetTeamConversationsUsage: async ({ services, params, query, signal }) => ({
    data: await teamConversationsUsage(services.ch, params.team_id ?? '', query, signal),
  }),
  Analytics_GetVoiceAnalytics: async ({ services, params, query, signal }) => ({
    data: await voiceMinutes(services.ch, params.team_id ?? '', query, signal),
  }),
  Analytics_GetTeamKnowledgeBaseUsage: async ({ services, params, query, signal }) => ({
    data: await knowledgeBaseUsage(services.ch, params.team_id ?? '', query, signal),
  }),
};

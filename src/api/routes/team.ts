import type { Handler } from '../context.ts';

// Who a token is and which bots its team owns: what a client holding only a token
// (the dashboard) needs before it can ask anything else.
export const teamHandlers: Record<string, Handler> = {
  Analytics_GetTokenInfo: async ({ principal }) => ({
    token_id: principal.tokenId,
    team_id: principal.teamId,
    scopes: [...principal.scopes].sort(),
  }),
  Analytics_ListTeamBots: async ({ principal, services }) => {
    const bots = await services.bots.botsOfTeam(principal.teamId);
    return { bots: [...bots].sort().map((bot_id) => ({ bot_id })) };
  },
};

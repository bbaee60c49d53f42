import { type EventDefinition, listTeamDefinitions } from '../../analytics/event-definitions.ts';
import { notFound } from '../../errors.ts';
import { ID_RULE, isValidId } from '../../ingest/ids.ts';
import type { Handler } from '../context.ts';
import { badParam } from '../errors.ts';
import { parsePageSize } from '../page-tokens.ts';
import { textParam } from '../params.ts';

/** Keyset position of the team list: the last (bot_id, event) of the page. */
const isPosition = (p: unknown): p is [string, string] =>
  Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string';

const after = (d: EventDefinition, [bot, event]: [string, string]): boolean =>
  d.bot_id > bot || (d.bot_id === bot && d.event > event);

export const eventDefinitionHandlers: Record<string, Handler> = {
  // GET /v1/teams/{team_id}/events/definitions
  // The team path parameter is checked by the server (another team → 404). `bot_id` keeps
  // one bot; one that is not the team's answers 404 like reading it would (CONTRACT §6).
  Analytics_ListTeamEventDefinitions: async ({ query, principal, services }) => {
    const teamId = principal.teamId;
    const rawBot = textParam(query.bot_id);
    const botId = rawBot === '' ? undefined : rawBot;
    if (botId !== undefined && !isValidId(botId)) throw badParam('bot_id', `must be ${ID_RULE}`);
    const pageSize = parsePageSize(query.page_size);
    // A token belongs to its query: the team and the bot filter (CONTRACT-LIVE-API §2).
    const scope = `teamdefs:${teamId}:${botId ?? ''}`;
    const pos = services.pageTokens.open('page_token', query.page_token, scope);
    if (pos !== undefined && !isPosition(pos)) throw badParam('page_token', 'is not a valid page token');
    let bots: string[];
    if (botId !== undefined) {
      if ((await services.bots.ownerOf(botId)) !== teamId) throw notFound(`bot "${botId}"`);
      bots = [botId];
    } else {
      bots = await services.bots.botsOfTeam(teamId);
    }
    const all = await listTeamDefinitions(services.db, services.reader, teamId, bots);
    // Keyset on (bot, event): definitions created between pages are neither skipped nor repeated.
    const rest = pos === undefined ? all : all.filter((d) => after(d, pos));
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      event_definitions: page,
      next_page_token: rest.length > pageSize && last ? services.pageTokens.seal(scope, [last.bot_id, last.event]) : '',
    };
  },
};

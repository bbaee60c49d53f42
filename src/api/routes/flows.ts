import { getFlowStepDetails, getFlowStepEdges, getFlows } from '../../analytics/flows.ts';
import { parseVersion } from '../../analytics/sql.ts';
import type { Handler, HandlerContext } from '../context.ts';

const stepOf = (ctx: HandlerContext): string => ctx.params.step_id ?? '';
const flowScope = (ctx: HandlerContext, version: unknown) => ({
  team: ctx.principal.teamId,
  bot: ctx.params.bot_id ?? '',
  version: parseVersion(version),
});

export const flowHandlers: Record<string, Handler> = {
  Analytics_GetFlows: async (ctx) =>
    getFlows(ctx.services.ch, flowScope(ctx, ctx.query.version), ctx.query, ctx.signal),
  Analytics_GetFlowStepDetails: async (ctx) =>
    getFlowStepDetails(ctx.services.ch, flowScope(ctx, ctx.query.version), stepOf(ctx), ctx.query, ctx.signal),
  // Here the version is a path segment; an unknown one is a bad parameter, not a 404.
  Analytics_GetFlowStepEdges: async (ctx) =>
    getFlowStepEdges(ctx.services.ch, flowScope(ctx, ctx.params.version), stepOf(ctx), ctx.query, ctx.signal),
};

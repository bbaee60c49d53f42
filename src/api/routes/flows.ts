import { type FlowScope, getFlowStepDetails, getFlowStepEdges, getFlowSteps, getFlows } from '../../analytics/flows.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { edgeDirectionParam, filtersParam, pathParam, rangeParam, versionParam } from '../params.ts';

const stepOf = (ctx: HandlerContext): string => ctx.params.step_id ?? '';
const flowScope = (ctx: HandlerContext, version: unknown): FlowScope => ({
  team: ctx.principal.teamId,
  bot: ctx.params.bot_id ?? '',
  version: versionParam(version),
  range: rangeParam(ctx.query),
  filters: filtersParam(ctx.query),
});

export const flowHandlers: Record<string, Handler> = {
  // GET /v1/bots/{bot_id}/flows
  Analytics_GetFlows: async (ctx) => {
    const scope = flowScope(ctx, ctx.query.version);
    return getFlows(ctx.services.reader, scope, pathParam(ctx.query.path), ctx.signal);
  },
  // GET /v1/bots/{bot_id}/steps (our addition: the step catalog)
  Analytics_ListFlowSteps: async (ctx) =>
    getFlowSteps(ctx.services.reader, flowScope(ctx, ctx.query.version), ctx.signal),
  // GET /v1/bots/{bot_id}/flows/{step_id}
  Analytics_GetFlowStepDetails: async (ctx) =>
    getFlowStepDetails(ctx.services.reader, flowScope(ctx, ctx.query.version), stepOf(ctx), ctx.signal),
  // GET /v1/bots/{bot_id}/{version}/flows/{step_id}/edges
  // Here the version is a path segment; an unknown one is a bad parameter, not a 404.
  Analytics_GetFlowStepEdges: async (ctx) => {
    const direction = edgeDirectionParam(ctx.query.type);
    const scope = flowScope(ctx, ctx.params.version);
    return getFlowStepEdges(ctx.services.reader, scope, stepOf(ctx), direction, ctx.signal);
  },
  // GET /v1/bots/{bot_id}/flows/{step_id}/edges
  // The published API's path (CONTRACT-LIVE-API §6): version as a query parameter, same answer.
  Analytics_GetFlowStepEdgesV2: async (ctx) => {
    const direction = edgeDirectionParam(ctx.query.type);
    const scope = flowScope(ctx, ctx.query.version);
    return getFlowStepEdges(ctx.services.reader, scope, stepOf(ctx), direction, ctx.signal);
  },
};

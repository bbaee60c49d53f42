import { computeEventsFunnel, computeFlowFunnel } from '../../analytics/funnels.ts';
import type { Handler } from '../context.ts';
import { funnelBody } from '../funnel-body.ts';
import { assertStorableText } from './well-formed.ts';

export const funnelHandlers: Record<string, Handler> = {
  // POST /v1/bots/{bot_id}/events/funnel
  Analytics_ComputeEventsFunnel: async ({ params, query, body, principal, services, signal }) => {
    assertStorableText(body);
    const req = funnelBody(body, query, 'events', principal.teamId, params.bot_id ?? '');
    return computeEventsFunnel(services.reader, req, signal);
  },
  // POST /v1/bots/{bot_id}/flows/funnel
  Analytics_ComputeFlowFunnel: async ({ params, query, body, principal, services, signal }) => {
    assertStorableText(body);
    const req = funnelBody(body, query, 'flows', principal.teamId, params.bot_id ?? '');
    return computeFlowFunnel(services.reader, req, signal);
  },
};

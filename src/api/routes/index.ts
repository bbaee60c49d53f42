import type { Handler } from '../context.ts';
import { botAnalyticsHandlers } from './bot-analytics.ts';
import { conversationFlowHandlers } from './conversation-flow.ts';
import { echoHandlers } from './echo.ts';
import { eventDefinitionHandlers } from './event-definitions.ts';
import { eventStreamHandlers } from './event-streams.ts';
import { eventHandlers } from './events.ts';
import { flowHandlers } from './flows.ts';
import { funnelHandlers } from './funnels.ts';
import { ingestHandlers } from './ingest.ts';
import { knowledgeBaseHandlers } from './knowledge-base.ts';
import { subscriptionHandlers } from './subscriptions.ts';
import { teamHandlers } from './team.ts';
import { teamUsageHandlers } from './team-usage.ts';
import { trackHandlers } from './track.ts';

/**
 * operationId → handler. Operations of the OpenAPI document without an entry here
 * are still routed and answer 501 {code: 12} until their issue lands.
 */
export const operationHandlers: Record<string, Handler | undefined> = {
  ...echoHandlers,
  ...ingestHandlers,
  ...flowHandlers,
  ...teamUsageHandlers,
  ...eventHandlers,
  ...subscriptionHandlers,
  ...botAnalyticsHandlers,
  ...trackHandlers,
  ...eventStreamHandlers,
  ...funnelHandlers,
  ...conversationFlowHandlers,
  ...eventDefinitionHandlers,
  ...knowledgeBaseHandlers,
  ...teamHandlers,
};

import type { Handler } from '../context.ts';
import { botAnalyticsHandlers } from './bot-analytics.ts';
import { echoHandlers } from './echo.ts';
import { eventHandlers } from './events.ts';
import { flowHandlers } from './flows.ts';
import { ingestHandlers } from './ingest.ts';
// issue 13 imports: tracking writes
import { trackHandlers } from './track.ts';
//
// issue 13 imports: streams
//

import { eventStreamHandlers } from './event-streams.ts';

// issue 13 imports: funnels
//

import { funnelHandlers } from './funnels.ts';

// issue 13 imports: conversation flow
//

import { conversationFlowHandlers } from './conversation-flow.ts';
import { eventDefinitionHandlers } from './event-definitions.ts';

// issue 13 imports: knowledge base
//
import { knowledgeBaseHandlers } from './knowledge-base.ts';
import { subscriptionHandlers } from './subscriptions.ts';
import { teamUsageHandlers } from './team-usage.ts';
// issue 13 imports: handshake
//

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
  // issue 13: tracking writes
  ...trackHandlers,
  //
  // issue 13: streams
  //
  ...eventStreamHandlers,
  // issue 13: funnels
  //
  ...funnelHandlers,
  // issue 13: conversation flow
  //
  ...conversationFlowHandlers,
  ...eventDefinitionHandlers,
  // issue 13: knowledge base
  //
  ...knowledgeBaseHandlers,
  // issue 13: handshake
  //
};

import type { Handler } from '../context.ts';
import { botAnalyticsHandlers } from './bot-analytics.ts';
import { echoHandlers } from './echo.ts';
import { ingestHandlers } from './ingest.ts';

/**
 * operationId → handler. Operations of the OpenAPI document without an entry here
 * are still routed and answer 501 {code: 12} until their issue lands.
 */
export const operationHandlers: Record<string, Handler | undefined> = {
  ...echoHandlers,
  ...ingestHandlers,
  ...botAnalyticsHandlers,
};

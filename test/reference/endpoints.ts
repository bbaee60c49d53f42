/**
 * Entry point of the reference: one function per endpoint, each taking
 * `(model, pathParams, query)` and returning the exact JSON body the API must
 * answer for a VALID request. `REFERENCE_ENDPOINTS` maps OpenAPI operationIds
 * to them so a property test can drive any route generically.
 */
import { getConversations, getConversationsInsights, getMessages, getUserActivity, getUsers } from './bot-series.js';
import { getFlowStepDetails, getFlowStepEdges, getFlows } from './flows.js';
import { getIntentInsights, getIntents } from './intents.js';
import { getKnowledgeBaseTagsInsights, getKnowledgeBaseUsage } from './knowledge-base.js';
import type { Model } from './model.js';
import type { PathParams, Query } from './params.js';
import { getTeamConversationsUsage, getTeamKnowledgeBaseUsage, getVoiceAnalytics } from './team-usage.js';

export type { SeriesBody } from './bot-series.js';
export {
  getConversations,
  getConversationsInsights,
  getMessages,
  getUserActivity,
  getUsers,
  messageCategory,
} from './bot-series.js';
export { BUCKET_NOMINAL_MS, buildTimeline, parseTimeParam, type Serie, type SeriesData, serie } from './buckets.js';
export {
  getEventAttributeValues,
  getTeamEventsAll,
  listEventsAll,
  listEventsWithFiltersAll,
  type RefStreamBody,
  type RefTrackingEvent,
} from './event-streams.js';
export type { RefEvent } from './events.js';
export { DROPOFF, type Edge, type FlowStep, getFlowStepDetails, getFlowStepEdges, getFlows, pathOf } from './flows.js';
export {
  getIntentInsights,
  getIntents,
  type IntentInfo,
  type IntentsBody,
  pageIntents,
  rankIntents,
} from './intents.js';
export {
  getKnowledgeBaseTagsInsights,
  getKnowledgeBaseUsage,
  type KnowledgeBaseTag,
  type KnowledgeBaseTagsBody,
  MAX_TAGS,
} from './knowledge-base.js';
export { buildModel, type Conversation, type Model, type ModelEvent } from './model.js';
export type { PathParams, Query } from './params.js';
export { getTeamConversationsUsage, getTeamKnowledgeBaseUsage, getVoiceAnalytics } from './team-usage.js';

export type ReferenceEndpoint = (model: Model, pathParams: PathParams, query: Query) => unknown;

export const REFERENCE_ENDPOINTS = {
  Analytics_GetConversations: getConversations,
  Analytics_GetConversationsInsights: getConversationsInsights,
  Analytics_GetMessages: getMessages,
  Analytics_GetUsers: getUsers,
  Analytics_GetUserActivity: getUserActivity,
  Analytics_GetIntents: getIntents,
  Analytics_GetIntentInsights: getIntentInsights,
  Analytics_GetFlows: getFlows,
  Analytics_GetFlowStepDetails: getFlowStepDetails,
  Analytics_GetFlowStepEdges: getFlowStepEdges,
  Analytics_GetTeamConversationsUsage: getTeamConversationsUsage,
  Analytics_GetVoiceAnalytics: getVoiceAnalytics,
  Analytics_GetTeamKnowledgeBaseUsage: getTeamKnowledgeBaseUsage,
  // CONTRACT-LIVE-API §5: the v1 team path is the v1beta1 one.
  Analytics_GetTeamKnowledgeBaseUsageV1: getTeamKnowledgeBaseUsage,
  Analytics_GetKnowledgeBaseUsage: getKnowledgeBaseUsage,
  Analytics_GetKnowledgeBaseTagsInsights: getKnowledgeBaseTagsInsights,
} satisfies Record<string, ReferenceEndpoint>;

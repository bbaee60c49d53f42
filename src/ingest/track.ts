import { badField, badParam, invalidArgument, type ServiceError } from '../errors.ts';
import type { EventError } from './validate.ts';

/** A TrackEvent body as read at the edge (CONTRACT-LIVE-API §1): JSON types checked, values not yet. */
export interface TrackInput {
  id?: string;
  version: string;
  userId: string;
  event: string;
  attributes?: Record<string, unknown>;
  timestamp?: string;
  conversationId?: string;
  campaign?: Partial<Record<CampaignField, string>>;
}

export const CAMPAIGN_FIELDS = ['id', 'source', 'medium', 'name', 'content', 'term'] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];
/** The campaign fields the event has no column for: kept as these attributes. */
const CAMPAIGN_ATTRIBUTES = ['medium', 'name', 'content', 'term'] as const;

/**
 * The `/v1/ingest` event a TrackEvent call stands for, and a translator of that event's
 * validation errors back to the names of the TrackEvent body, so both operations share
 * one set of rules.
 */
export function trackToIngestEvent(
  teamId: string,
  botId: string,
  input: TrackInput,
  nowMs: number,
): { raw: Record<string, unknown>; fieldOf: (ingestField: string) => string } {
  const attributes: Record<string, unknown> = { ...(input.attributes ?? {}) };
  const fromCampaign = new Map<string, string>();
  for (const f of CAMPAIGN_ATTRIBUTES) {
    const v = input.campaign?.[f];
    // An empty campaign field is "not set", like an empty campaign_id (CONTRACT §1 defaults).
    if (v === undefined || v === '') continue;
    const key = `campaign_${f}`;
    const own = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    // Never drop either value silently: the same value twice is one attribute, two differ is a 400.
    if (own !== undefined && own !== v)
      throw badField(`context.campaign.${f}`, `conflicts with attributes.${key} (a different value)`);
    if (own === undefined) fromCampaign.set(key, `context.campaign.${f}`);
    attributes[key] = v;
  }
  const raw: Record<string, unknown> = {
    type: 'tracking',
    timestamp: input.timestamp ?? new Date(nowMs).toISOString(),
    team_id: teamId,
    bot_id: botId,
    version: input.version,
    user_id: input.userId,
    event: input.event,
    attributes,
  };
  // Without a client id the validation generates one (and it takes no part in dedupe).
  if (input.id !== undefined) raw.id = input.id;
  if (input.conversationId !== undefined) raw.conversation_id = input.conversationId;
  if (input.campaign?.id !== undefined) raw.campaign_id = input.campaign.id;
  if (input.campaign?.source !== undefined) raw.campaign_source = input.campaign.source;
  const fieldOf = (ingestField: string): string => {
    if (ingestField === 'conversation_id') return 'context.conversation_id';
    if (ingestField === 'campaign_id') return 'context.campaign.id';
    if (ingestField === 'campaign_source') return 'context.campaign.source';
    if (ingestField.startsWith('attributes.')) return fromCampaign.get(ingestField.slice(11)) ?? ingestField;
    return ingestField;
  };
  return { raw, fieldOf };
}

/** The 400 for a TrackEvent whose ingest event failed validation, naming the body field (or path parameter). */
export function trackError(error: EventError, fieldOf: (ingestField: string) => string): ServiceError {
  if (error.field === undefined) return invalidArgument(`${error.reason}; nothing was stored`);
  const name = fieldOf(error.field);
  const reason = error.reason.split(`"${error.field}"`).join(`"${name}"`);
  return error.field === 'bot_id' ? badParam(name, reason) : badField(name, reason);
}

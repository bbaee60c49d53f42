/**
 * Reads a TrackEvent body (CONTRACT-LIVE-API §1) into the typed input the ingest service
 * takes. Only the JSON shape is checked here (objects, strings, known fields); the value
 * rules (lengths, RFC 3339, DRAFT/LIVE, attribute values) are the ingest validation's,
 * applied to the event the body stands for, so both operations refuse the same values.
 */
import { CAMPAIGN_FIELDS, type CampaignField, type TrackInput } from '../ingest/track.ts';
import { badField } from './errors.ts';

const TOP_FIELDS = new Set(['id', 'version', 'user_id', 'event', 'attributes', 'timestamp', 'context']);
const CONTEXT_FIELDS = new Set(['conversation_id', 'campaign']);
const CAMPAIGN_SET: ReadonlySet<string> = new Set(CAMPAIGN_FIELDS);

// Echoed unknown names are cut so an error never carries a megabyte.
const shown = (name: string): string => (name.length > 64 ? `${name.slice(0, 64)}…` : name);

function objectAt(value: unknown, name: string, known: ReadonlySet<string>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badField(name, 'must be an object');
  const o = value as Record<string, unknown>;
  // Unknown fields are refused, as ingest refuses fields not listed for a type.
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw badField(name ? `${name}.${shown(key)}` : shown(key), 'is not a field of this body');
  }
  return o;
}

function optText(o: Record<string, unknown>, key: string, name: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badField(name, 'must be a string');
  return v;
}

function reqText(o: Record<string, unknown>, key: string): string {
  const v = optText(o, key, key);
  if (v === undefined || v === '') throw badField(key, 'is required');
  return v;
}

export function parseTrackBody(body: unknown): TrackInput {
  const o = objectAt(body, '', TOP_FIELDS);
  const input: TrackInput = {
    version: reqText(o, 'version'),
    userId: reqText(o, 'user_id'),
    event: reqText(o, 'event'),
  };
  const id = optText(o, 'id', 'id');
  if (id !== undefined) input.id = id;
  const timestamp = optText(o, 'timestamp', 'timestamp');
  if (timestamp !== undefined) input.timestamp = timestamp;
  if (o.attributes !== undefined) {
    if (typeof o.attributes !== 'object' || o.attributes === null || Array.isArray(o.attributes))
      throw badField('attributes', 'must be an object of strings, numbers and booleans');
    input.attributes = o.attributes as Record<string, unknown>;
  }
  if (o.context !== undefined) {
    const ctx = objectAt(o.context, 'context', CONTEXT_FIELDS);
    const conversationId = optText(ctx, 'conversation_id', 'context.conversation_id');
    if (conversationId !== undefined) input.conversationId = conversationId;
    if (ctx.campaign !== undefined) {
      const c = objectAt(ctx.campaign, 'context.campaign', CAMPAIGN_SET);
      const campaign: Partial<Record<CampaignField, string>> = {};
      for (const f of CAMPAIGN_FIELDS) {
        const v = optText(c, f, `context.campaign.${f}`);
        if (v !== undefined) campaign[f] = v;
      }
      input.campaign = campaign;
    }
  }
  return input;
}

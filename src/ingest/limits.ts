/**
 * Size and range limits of an ingest event, declared once (documented in README
 * "## Limits" and in openapi/additions.yaml). Without them one accepted value can
 * break readers for good: a 1 MiB intent is sent back by every intents answer, a
 * 1e308 call overflows the team's voice minutes.
 */
import { ID_MAX_LENGTH } from './ids.ts';

/** Longest accepted string per event field, in UTF-16 code units (JavaScript string length). */
export const FIELD_MAX_CHARS = {
  // Ids: the contract's 128 for team/bot, and the same for every other id, so any id
  // can travel as a URL path segment (flows/{step_id}) and be read back.
  id: ID_MAX_LENGTH,
  team_id: ID_MAX_LENGTH,
  bot_id: ID_MAX_LENGTH,
  user_id: ID_MAX_LENGTH,
  conversation_id: ID_MAX_LENGTH,
  step_id: ID_MAX_LENGTH,
  // Also the cap of a definition's name (POST …/events/definitions uses this value).
  event: 256,
  // Free text and labels.
  intent: 1024,
  channel_type: 1024,
  channel_id: 1024,
  language: 1024,
  campaign_id: 1024,
  campaign_source: 1024,
  step_type: 1024,
  kind: 1024,
  // Enumerations and the timestamp are checked against their values; the cap only
  // keeps the check from ever looking at a megabyte.
  type: 64,
  version: 64,
  direction: 64,
  timestamp: 64,
} as const;
export type CappedField = keyof typeof FIELD_MAX_CHARS;

/** Tracking attributes: key length, string value length, and the whole object's JSON text in UTF-8 bytes. */
export const ATTRIBUTE_KEY_MAX_CHARS = 128;
export const ATTRIBUTE_VALUE_MAX_CHARS = 1024;
export const ATTRIBUTES_MAX_BYTES = 16 * 1024;
/** Attribute numbers: finite and within ±1e15 (exact as a double, far above any real amount). */
export const ATTRIBUTE_NUMBER_MAX_ABS = 1e15;

/**
 * kb_query `tags` (CONTRACT-LIVE-API §5): at most 20 per query, each 1–128 characters.
 * The tags insights answer sends every tag back, so the cap also bounds that answer.
 */
export const KB_TAGS_MAX = 20;
export const KB_TAG_MAX_CHARS = 128;

/** A voice call lasts at most 24 h, so a team's minutes stay far below int32 per bucket. */
export const MAX_CALL_SECONDS = 86_400;

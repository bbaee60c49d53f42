import { randomUUID } from 'node:crypto';
import { type BotVersion, EVENT_TYPES, type EventType, type ValidEvent, VERSIONS } from './event.ts';
import { ID_RULE, isValidId } from './ids.ts';
import {
  ATTRIBUTE_KEY_MAX_CHARS,
  ATTRIBUTE_NUMBER_MAX_ABS,
  ATTRIBUTE_VALUE_MAX_CHARS,
  ATTRIBUTES_MAX_BYTES,
  type CappedField,
  FIELD_MAX_CHARS,
  KB_TAG_MAX_CHARS,
  KB_TAGS_MAX,
  MAX_CALL_SECONDS,
} from './limits.ts';

export interface EventError {
  index: number;
  /** The offending field (`attributes.<key>` for an attribute) when one field is to blame. */
  field?: string;
  reason: string;
}

// A lone surrogate (e.g. JSON "\ud800") is not Unicode text: the engine refuses the
// whole insert ("Cannot parse escape sequence"), so it is refused here per field. A high
// surrogate not followed by a low one, or a low one not preceded by a high one
// (String.prototype.isWellFormed, which the project's TypeScript lib does not declare yet).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` holds a lone UTF-16 surrogate, so it cannot be stored as UTF-8. */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

const COMMON_FIELDS = [
  'id',
  'type',
  'timestamp',
  'team_id',
  'bot_id',
  'version',
  'user_id',
  'conversation_id',
  'channel_type',
  'channel_id',
  'language',
  'campaign_id',
  'campaign_source',
];
const TYPE_FIELDS: Record<EventType, readonly string[]> = {
  message: ['direction', 'kind', 'intent', 'confidence'],
  step: ['step_id', 'step_type'],
  tracking: ['event', 'attributes'],
  voice_call: ['duration_seconds'],
  kb_query: ['answered', 'tags'],
};
const ALLOWED: Record<EventType, ReadonlySet<string>> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, new Set([...COMMON_FIELDS, ...TYPE_FIELDS[t]])]),
) as unknown as Record<EventType, ReadonlySet<string>>;

class Invalid extends Error {
  constructor(
    reason: string,
    readonly field: string | undefined,
  ) {
    super(reason);
  }
}
const fail = (reason: string, field?: string): never => {
  throw new Invalid(reason, field);
};

/** Length cap and well-formed Unicode, for every string an event carries. */
function checkText(field: string, v: string, max: number): string {
  if (v.length > max) return fail(`"${field}" is longer than ${max} characters`, field);
  if (hasLoneSurrogate(v)) return fail(`"${field}" holds a lone UTF-16 surrogate (not valid Unicode)`, field);
  return v;
}

// Echoed names (unknown fields, attribute keys) are cut so an error never carries a megabyte.
const shown = (name: string): string => (name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** Parses an RFC 3339 timestamp strictly (calendar-valid, with offset) to epoch ms. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

function optString(o: Record<string, unknown>, field: CappedField, fallback = ''): string {
  const v = o[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') return fail(`"${field}" must be a string`, field);
  return checkText(field, v, FIELD_MAX_CHARS[field]);
}

function reqString(o: Record<string, unknown>, field: CappedField): string {
  const v = o[field];
  if (v === undefined || v === null || v === '') return fail(`"${field}" is required`, field);
  return optString(o, field);
}

function identifier(o: Record<string, unknown>, field: 'team_id' | 'bot_id'): string {
  const v = reqString(o, field);
  if (!isValidId(v)) fail(`"${field}" must be ${ID_RULE}`, field);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, field: CappedField, allowed: readonly T[]): T {
  const v = reqString(o, field);
  if (!(allowed as readonly string[]).includes(v)) fail(`"${field}" must be one of ${allowed.join(', ')}`, field);
  return v as T;
}

function attributesText(v: unknown): string {
  if (v === undefined || v === null) return '{}';
  if (typeof v !== 'object' || Array.isArray(v)) return fail('"attributes" must be a flat JSON object', 'attributes');
  for (const [k, val] of Object.entries(v)) {
    if (k.length > ATTRIBUTE_KEY_MAX_CHARS)
      fail(`"attributes" has a key longer than ${ATTRIBUTE_KEY_MAX_CHARS} characters ("${shown(k)}")`, 'attributes');
    if (hasLoneSurrogate(k))
      fail('"attributes" has a key holding a lone UTF-16 surrogate (not valid Unicode)', 'attributes');
    const field = `attributes.${k}`;
    if (typeof val === 'string') checkText(field, val, ATTRIBUTE_VALUE_MAX_CHARS);
    else if (typeof val === 'number') {
      // JSON.parse turns 1e400 into Infinity, which JSON.stringify would store as null.
      if (!Number.isFinite(val) || Math.abs(val) > ATTRIBUTE_NUMBER_MAX_ABS)
        fail(`"${field}" must be a finite number within ±${ATTRIBUTE_NUMBER_MAX_ABS}`, field);
    } else if (typeof val !== 'boolean') fail(`"${field}" must be a string, number or boolean`, field);
  }
  const text = JSON.stringify(v);
  if (Buffer.byteLength(text, 'utf8') > ATTRIBUTES_MAX_BYTES)
    fail(`"attributes" is larger than ${ATTRIBUTES_MAX_BYTES} bytes as JSON`, 'attributes');
  return text;
}

/**
 * kb_query `tags`: absent or null = none; else an array of at most KB_TAGS_MAX strings of
 * 1–KB_TAG_MAX_CHARS characters. A bad element is named by its index (`tags[3]`). A tag
 * repeated within one query is kept as sent: readers count it once per query.
 */
function tagsOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail('"tags" must be an array of strings', 'tags');
  if (v.length > KB_TAGS_MAX) fail(`"tags" holds more than ${KB_TAGS_MAX} tags`, 'tags');
  return v.map((tag: unknown, i) => {
    const field = `tags[${i}]`;
    if (typeof tag !== 'string') return fail(`"${field}" must be a string`, field);
    if (tag === '') return fail(`"${field}" must not be empty`, field);
    return checkText(field, tag, KB_TAG_MAX_CHARS);
  });
}

function validateOne(raw: unknown, nowMs: number): ValidEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('event must be a JSON object');
  const o = raw as Record<string, unknown>;
  const type = oneOf(o, 'type', EVENT_TYPES);
  for (const key of Object.keys(o)) {
    if (!ALLOWED[type].has(key)) fail(`unknown field "${shown(key)}" for a ${type} event`);
  }
  const tsText = reqString(o, 'timestamp');
  const tsMs = parseRfc3339(tsText);
  if (tsMs === undefined) return fail('"timestamp" must be an RFC 3339 date-time with offset', 'timestamp');
  if (tsMs > nowMs + FUTURE_TOLERANCE_MS) fail('"timestamp" is more than 5 minutes in the future', 'timestamp');
  if (tsMs < 0) fail('"timestamp" must be after 1970-01-01', 'timestamp');

  const idGiven = o.id !== undefined && o.id !== null;
  const id = idGiven ? reqString(o, 'id') : randomUUID();
  const needsUser = type === 'message' || type === 'step' || type === 'tracking';
  const ev: ValidEvent = {
    id,
    idSupplied: idGiven,
    type,
    tsMs,
    teamId: identifier(o, 'team_id'),
    botId: identifier(o, 'bot_id'),
    version: oneOf<BotVersion>(o, 'version', VERSIONS),
    userId: needsUser ? reqString(o, 'user_id') : optString(o, 'user_id'),
    conversationId: optString(o, 'conversation_id'),
    channelType: optString(o, 'channel_type', 'unknown') || 'unknown',
    channelId: optString(o, 'channel_id'),
    language: optString(o, 'language', 'unknown') || 'unknown',
    campaignId: optString(o, 'campaign_id'),
    campaignSource: optString(o, 'campaign_source'),
    direction: '',
    kind: '',
    intent: null,
    confidence: null,
    stepId: '',
    stepType: '',
    eventName: '',
    attributes: '',
    durationSeconds: 0,
    answered: false,
    tags: [],
  };
  switch (type) {
    case 'message': {
      ev.direction = oneOf(o, 'direction', ['user', 'bot'] as const);
      if (ev.direction === 'user') ev.kind = oneOf(o, 'kind', ['text', 'button', 'media'] as const);
      else ev.kind = optString(o, 'kind');
      const intent = o.intent;
      if (intent !== undefined && intent !== null && typeof intent !== 'string')
        fail('"intent" must be a string or null', 'intent');
      ev.intent =
        typeof intent === 'string' && intent !== '' ? checkText('intent', intent, FIELD_MAX_CHARS.intent) : null;
      const conf = o.confidence;
      if (conf !== undefined && conf !== null) {
        if (typeof conf !== 'number' || !(conf >= 0 && conf <= 1))
          fail('"confidence" must be a number from 0 to 1', 'confidence');
        ev.confidence = conf as number;
      }
      break;
    }
    case 'step':
      ev.stepId = reqString(o, 'step_id');
      ev.stepType = optString(o, 'step_type');
      break;
    case 'tracking':
      ev.eventName = reqString(o, 'event');
      ev.attributes = attributesText(o.attributes);
      break;
    case 'voice_call': {
      const d = o.duration_seconds;
      if (typeof d !== 'number' || !(d >= 0 && d <= MAX_CALL_SECONDS))
        fail(`"duration_seconds" must be a number from 0 to ${MAX_CALL_SECONDS} (24 h)`, 'duration_seconds');
      ev.durationSeconds = d as number;
      break;
    }
    case 'kb_query':
      if (typeof o.answered !== 'boolean') fail('"answered" must be a boolean', 'answered');
      ev.answered = o.answered as boolean;
      ev.tags = tagsOf(o.tags);
      break;
  }
  return ev;
}

/** Validates every event; returns all valid events or the errors (at most `maxErrors`). */
export function validateEvents(
  raw: readonly unknown[],
  nowMs = Date.now(),
  maxErrors = 100,
): { ok: true; events: ValidEvent[] } | { ok: false; errors: EventError[]; errorCount: number } {
  const events: ValidEvent[] = [];
  const errors: EventError[] = [];
  let errorCount = 0;
  for (let i = 0; i < raw.length; i++) {
    try {
      events.push(validateOne(raw[i], nowMs));
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      errorCount++;
      if (errors.length < maxErrors)
        errors.push({ index: i, ...(e.field !== undefined ? { field: e.field } : {}), reason: e.message });
    }
  }
  return errorCount === 0 ? { ok: true, events } : { ok: false, errors, errorCount };
}

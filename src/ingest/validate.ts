import { randomUUID } from 'node:crypto';
import { type BotVersion, EVENT_TYPES, type EventType, type ValidEvent, VERSIONS } from './event.ts';
import { ID_RULE, isValidId } from './ids.ts';

export interface EventError {
  index: number;
  reason: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const MAX_STRING = 1024;

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
  kb_query: ['answered'],
};
const ALLOWED: Record<EventType, ReadonlySet<string>> = Object.fromEntries(
  EVENT_TYPES.map((t) => [t, new Set([...COMMON_FIELDS, ...TYPE_FIELDS[t]])]),
) as unknown as Record<EventType, ReadonlySet<string>>;

class Invalid extends Error {}
const fail = (reason: string): never => {
  throw new Invalid(reason);
};

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

function optString(o: Record<string, unknown>, field: string, fallback = ''): string {
  const v = o[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') return fail(`"${field}" must be a string`);
  if (v.length > MAX_STRING) return fail(`"${field}" is longer than ${MAX_STRING} characters`);
  return v;
}

function reqString(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (v === undefined || v === null || v === '') return fail(`"${field}" is required`);
  return optString(o, field);
}

function identifier(o: Record<string, unknown>, field: string): string {
  const v = reqString(o, field);
  if (!isValidId(v)) fail(`"${field}" must be ${ID_RULE}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const v = reqString(o, field);
  if (!(allowed as readonly string[]).includes(v)) fail(`"${field}" must be one of ${allowed.join(', ')}`);
  return v as T;
}

function attributesText(v: unknown): string {
  if (v === undefined || v === null) return '{}';
  if (typeof v !== 'object' || Array.isArray(v)) return fail('"attributes" must be a flat JSON object');
  for (const [k, val] of Object.entries(v)) {
    const t = typeof val;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      fail(`"attributes.${k}" must be a string, number or boolean`);
    }
  }
  return JSON.stringify(v);
}

function validateOne(raw: unknown, nowMs: number): ValidEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('event must be a JSON object');
  const o = raw as Record<string, unknown>;
  const type = oneOf(o, 'type', EVENT_TYPES);
  for (const key of Object.keys(o)) {
    if (!ALLOWED[type].has(key)) fail(`unknown field "${key}" for a ${type} event`);
  }
  const tsText = reqString(o, 'timestamp');
  const tsMs = parseRfc3339(tsText);
  if (tsMs === undefined) return fail('"timestamp" must be an RFC 3339 date-time with offset');
  if (tsMs > nowMs + FUTURE_TOLERANCE_MS) fail('"timestamp" is more than 5 minutes in the future');
  if (tsMs < 0) fail('"timestamp" must be after 1970-01-01');

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
  };
  switch (type) {
    case 'message': {
      ev.direction = oneOf(o, 'direction', ['user', 'bot'] as const);
      if (ev.direction === 'user') ev.kind = oneOf(o, 'kind', ['text', 'button', 'media'] as const);
      else ev.kind = optString(o, 'kind');
      const intent = o.intent;
      if (intent !== undefined && intent !== null && typeof intent !== 'string')
        fail('"intent" must be a string or null');
      ev.intent = typeof intent === 'string' && intent !== '' ? intent : null;
      const conf = o.confidence;
      if (conf !== undefined && conf !== null) {
        if (typeof conf !== 'number' || !(conf >= 0 && conf <= 1)) fail('"confidence" must be a number from 0 to 1');
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
      if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) fail('"duration_seconds" must be a number >= 0');
      ev.durationSeconds = d as number;
      break;
    }
    case 'kb_query':
      if (typeof o.answered !== 'boolean') fail('"answered" must be a boolean');
      ev.answered = o.answered as boolean;
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
      if (errors.length < maxErrors) errors.push({ index: i, reason: e.message });
    }
  }
  return errorCount === 0 ? { ok: true, events } : { ok: false, errors, errorCount };
}

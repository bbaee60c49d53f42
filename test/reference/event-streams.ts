/**
 * Reading tracking events (CONTRACT-LIVE-API §2), written from the contract only:
 * the bot's stream with exact matches and filters, the team's events, and the values
 * of one attribute. Stream functions return the WHOLE ordered list (every page joined);
 * tests follow the real pages and compare the concatenation.
 *
 * Decisions (docs/decisions/issue-13-streams.md):
 * - an empty exact-match value (`user_id=`) is no condition;
 * - order is timestamp, then id by code point, then ingest order;
 * - `attributes` is the posted object's JSON text (`{}` when absent);
 * - attribute values skip "not set" (absent or '') and read `$` keys as event fields.
 */
import { eventKeyText, matchesAll, type RefFilter } from './filters.js';
import type { Model, ModelEvent } from './model.js';
import { byCountDescThenText, compareText } from './order.js';
import { inRange, one, type PathParams, type Query, type Range, rangeOf, required } from './params.js';

export interface RefTrackingEvent {
  id: string;
  event: string;
  bot_id: string;
  version: string;
  user_id: string;
  channel_id: string;
  channel_type: string;
  conversation_id: string;
  attributes: string;
  timestamp: string;
}

/** The body of the POST stream, as the test sends it. */
export interface RefStreamBody {
  version: string;
  start_time: string;
  end_time: string;
  timezone?: string;
  event?: string;
  conversation_id?: string;
  user_id?: string;
  campaign_id?: string;
  filters?: RefFilter[];
}

/** The conversation id an event carries: the model's conversation (supplied or generated). */
function conversationIdOf(model: Model, e: ModelEvent): string {
  if (e.conversationKey === undefined) return '';
  return model.conversations.find((c) => c.key === e.conversationKey)?.conversation_id ?? '';
}

/** The text a filter key reads on an event: `$` fields, else the attribute's text. */
export function fieldText(model: Model, e: ModelEvent, key: string): string {
  return eventKeyText(e, conversationIdOf(model, e), key);
}

function toBody(model: Model, e: ModelEvent): RefTrackingEvent {
  return {
    id: e.raw.id ?? '',
    event: e.raw.event ?? '',
    bot_id: e.bot_id,
    version: e.version,
    user_id: e.user_id ?? '',
    channel_id: e.raw.channel_id ?? '',
    channel_type: e.channel_type,
    conversation_id: conversationIdOf(model, e),
    attributes: JSON.stringify(e.raw.attributes ?? {}),
    timestamp: new Date(e.ms).toISOString(),
  };
}

/** Exact matches: absent or '' = no condition. */
interface Exact {
  event?: string | undefined;
  conversation_id?: string | undefined;
  user_id?: string | undefined;
  campaign_id?: string | undefined;
}

function exactHolds(model: Model, e: ModelEvent, x: Exact): boolean {
  const want = (v: string | undefined, actual: string) => v === undefined || v === '' || v === actual;
  return (
    want(x.event, e.raw.event ?? '') &&
    want(x.conversation_id, conversationIdOf(model, e)) &&
    want(x.user_id, e.user_id ?? '') &&
    want(x.campaign_id, e.raw.campaign_id ?? '')
  );
}

function ordered(model: Model, events: ModelEvent[]): RefTrackingEvent[] {
  return [...events]
    .sort((a, b) => a.ms - b.ms || compareText(a.raw.id ?? '', b.raw.id ?? '') || a.seq - b.seq)
    .map((e) => toBody(model, e));
}

function selectStream(
  model: Model,
  team: string | undefined,
  bot: string,
  version: string,
  range: Range,
  exact: Exact,
  filters: RefFilter[] | undefined,
): RefTrackingEvent[] {
  const picked = model.events.filter(
    (e) =>
      e.type === 'tracking' &&
      (team === undefined || e.team_id === team) &&
      e.bot_id === bot &&
      e.version === version &&
      inRange(range, e.ms) &&
      exactHolds(model, e, exact) &&
      matchesAll((k) => fieldText(model, e, k), filters),
  );
  return ordered(model, picked);
}

/** GET /v1/bots/{bot_id}/events/stream, every page joined. */
export function listEventsAll(model: Model, path: PathParams, q: Query): RefTrackingEvent[] {
  return selectStream(
    model,
    undefined,
    required(path, 'bot_id'),
    required(q, 'version'),
    rangeOf(q),
    {
      event: one(q, 'event'),
      conversation_id: one(q, 'conversation_id'),
      user_id: one(q, 'user_id'),
      campaign_id: one(q, 'campaign_id'),
    },
    undefined,
  );
}

/** POST /v1/bots/{bot_id}/events/stream, every page joined. `timezone` from the body, else the query. */
export function listEventsWithFiltersAll(
  model: Model,
  path: PathParams,
  body: RefStreamBody,
  q: Query = {},
): RefTrackingEvent[] {
  const tz = body.timezone ?? one(q, 'timezone');
  const range = rangeOf({ start_time: body.start_time, end_time: body.end_time, ...(tz ? { timezone: tz } : {}) });
  return selectStream(model, undefined, required(path, 'bot_id'), body.version, range, body, body.filters);
}

/** GET /v1/teams/{team_id}/events, every page joined: all the team's bots, both versions. */
export function getTeamEventsAll(model: Model, path: PathParams, q: Query): RefTrackingEvent[] {
  const team = required(path, 'team_id');
  const range = rangeOf(q);
  const user = one(q, 'user_id');
  const picked = model.events.filter(
    (e) =>
      e.type === 'tracking' &&
      e.team_id === team &&
      inRange(range, e.ms) &&
      (user === undefined || user === '' || e.user_id === user),
  );
  return ordered(model, picked);
}

export const ATTRIBUTE_VALUES_WINDOW_MS = 30 * 86_400_000;

/**
 * POST /v1/bots/{bot_id}/events/attributes/{attribute_key}/values at instant `nowMs`:
 * tracking events in (now − 30 d, now], both versions unless `version`, named `event`
 * when given; values containing `query` (case-insensitive), by occurrences desc then
 * value, at most 100.
 */
export function getEventAttributeValues(
  model: Model,
  path: PathParams,
  body: { query?: string; event?: string; version?: string },
  nowMs: number,
): { attributes: { key: string; value: string }[] } {
  const bot = required(path, 'bot_id');
  const key = required(path, 'attribute_key');
  const needle = (body.query ?? '').toLowerCase();
  const counts = new Map<string, number>();
  for (const e of model.events) {
    if (e.type !== 'tracking' || e.bot_id !== bot) continue;
    if (!(e.ms > nowMs - ATTRIBUTE_VALUES_WINDOW_MS && e.ms <= nowMs)) continue;
    if (body.version !== undefined && body.version !== '' && e.version !== body.version) continue;
    if (body.event !== undefined && body.event !== '' && e.raw.event !== body.event) continue;
    const text = fieldText(model, e, key);
    if (text === '' || !text.toLowerCase().includes(needle)) continue;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const values = [...counts.entries()].sort(
    byCountDescThenText(
      ([, n]) => n,
      ([v]) => v,
    ),
  );
  return { attributes: values.slice(0, 100).map(([value]) => ({ key, value })) };
}

/**
 * The random event sets and query parameters of the bot-analytics property tests, shared by
 * the one-process test (test/analytics/bot-analytics.property.test.ts) and the multi-replica
 * one (test/scale-out/multi-replica.property.test.ts).
 */
import fc from 'fast-check';
import type { Query, RefEvent } from '../reference/endpoints.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Five-day windows around DST changes: US spring (03-08), EU spring (03-29), EU autumn (10-25), US autumn (11-01).
export const BASES = [
  '2026-03-06T00:00:00Z',
  '2026-03-27T00:00:00Z',
  '2026-10-23T00:00:00Z',
  '2026-10-30T00:00:00Z',
].map((s) => Date.parse(s));
const SPAN_QUARTERS = 5 * 24 * 4;

// Offsets on a 15-minute grid (equal timestamps, range boundaries, exact session gaps), nudged by ±1 ms sometimes.
const offsetArb = fc
  .tuple(fc.integer({ min: 0, max: SPAN_QUARTERS }), fc.constantFrom(0, 0, 0, 1, -1, 5 * MIN, 14 * MIN + 59_999))
  .map(([q, d]) => Math.max(0, q * 15 * MIN + d));

export interface Draft {
  offset: number;
  type: 'message' | 'step' | 'tracking';
  user: string;
  channel: string | undefined;
  language: string | undefined;
  conversation: string | undefined;
  id: string | undefined;
  direction: 'user' | 'bot';
  kind: 'text' | 'button' | 'media';
  intent: string | null;
}

export const draftArb: fc.Arbitrary<Draft> = fc.record({
  offset: offsetArb,
  type: fc.constantFrom('message', 'message', 'message', 'step', 'tracking'),
  user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  channel: fc.constantFrom('web', 'whatsapp', undefined),
  language: fc.constantFrom('en', 'nl', 'fr', undefined),
  conversation: fc.constantFrom(undefined, undefined, undefined, undefined, 'c1', 'c2'),
  id: fc.constantFrom(undefined, undefined, 'e1', 'e2', 'e3'),
  direction: fc.constantFrom('user', 'user', 'bot'),
  kind: fc.constantFrom('text', 'text', 'text', 'button', 'media'),
  intent: fc.constantFrom('greet', 'bye', 'help', 'order', 'faq', 'zed', null),
});

export function toEvent(d: Draft, base: number, team: string, bot: string, version: 'LIVE' | 'DRAFT'): RefEvent {
  const e: RefEvent = {
    type: d.type,
    timestamp: new Date(base + d.offset).toISOString(),
    team_id: team,
    bot_id: bot,
    version,
    user_id: d.user,
  };
  if (d.channel !== undefined) e.channel_type = d.channel;
  if (d.language !== undefined) e.language = d.language;
  if (d.conversation !== undefined) e.conversation_id = d.conversation;
  if (d.id !== undefined) e.id = d.id;
  if (d.type === 'message') {
    e.direction = d.direction;
    if (d.direction === 'user') {
      e.kind = d.kind;
      if (d.kind === 'text') e.intent = d.intent;
    }
  } else if (d.type === 'step') {
    e.step_id = `s-${d.intent ?? 'x'}`;
    e.step_type = 'bot_dialog';
  } else {
    e.event = 'clicked';
    e.attributes = { a: 1 };
  }
  return e;
}

export interface Params {
  base: number;
  startQuarter: number;
  hours: number;
  dateOnly: boolean;
  bucket: string | undefined;
  timezone: string;
  channel: string | undefined;
  language: string | undefined;
  groupBy: string | undefined;
  page: number;
}

export const paramsArb: fc.Arbitrary<Params> = fc.record({
  base: fc.constantFrom(...BASES),
  startQuarter: fc.integer({ min: 0, max: 3 * 24 * 4 }),
  hours: fc.integer({ min: 1, max: 9 * 24 }),
  dateOnly: fc.boolean(),
  bucket: fc.constantFrom(undefined, '1h', '1d', '1d', '1w'),
  timezone: fc.constantFrom('UTC', 'Europe/Brussels', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu'),
  channel: fc.constantFrom(undefined, undefined, 'web', 'web,whatsapp', 'unknown'),
  language: fc.constantFrom(undefined, undefined, 'en', 'nl,fr', 'unknown'),
  groupBy: fc.constantFrom(undefined, 'channel_type', 'language'),
  page: fc.integer({ min: 1, max: 4 }),
});

const NOMINAL: Record<string, number> = { '1h': HOUR, '1d': 24 * HOUR, '1w': 7 * 24 * HOUR };

export function queryOf(p: Params, version: string): Query {
  let start = p.base + p.startQuarter * 15 * MIN;
  let end = start + p.hours * HOUR;
  const q: Query = { version, timezone: p.timezone };
  if (p.dateOnly) {
    // Local dates in the request zone (midnight there): whole days covering the range.
    const fmt = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: p.timezone }).format(new Date(ms));
    q.start_time = fmt(start);
    q.end_time = fmt(end + 24 * HOUR);
    start = Date.parse(`${q.start_time}T00:00:00Z`);
    end = Date.parse(`${q.end_time}T00:00:00Z`);
  } else {
    q.start_time = new Date(start).toISOString();
    q.end_time = new Date(end).toISOString();
  }
  // Keep only valid buckets: shorter than the range (nominal length, §7).
  if (
    p.bucket !== undefined &&
    NOMINAL[p.bucket] !== undefined &&
    (NOMINAL[p.bucket] as number) < end - start - 2 * HOUR
  ) {
    q.bucket = p.bucket;
  }
  if (p.channel !== undefined) q.channel_type = p.channel;
  if (p.language !== undefined) q.language = p.language;
  return q;
}

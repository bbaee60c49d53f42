/**
 * Request parameters as the reference sees them: path params and a query
 * record where a repeated parameter arrives as an array. Only VALID requests
 * are handled; invalid ones are the HTTP tests' business, not the reference's.
 */
import { type BucketParam, buildTimeline, parseTimeParam, type Timeline } from './buckets.js';
import type { Conversation, Model, ModelEvent } from './model.js';

export type Query = Record<string, string | string[]>;
export type PathParams = Record<string, string>;

/**
 * One value of a parameter. Decision: when a scalar parameter is repeated,
 * the first occurrence wins (what most query parsers hand to a handler).
 */
export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function all(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function required(p: PathParams | Query, name: string): string {
  const v = p[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) throw new Error(`missing parameter ${name}`);
  return s;
}

/**
 * Comma-separated OR list (§3) for `channel_type` / `language`.
 * Decisions: items are trimmed and empty items dropped; a repeated parameter
 * is the union of its lists; a parameter that yields no item (absent or
 * `channel_type=`) means "no filter".
 */
export function commaList(q: Query, name: string): string[] | undefined {
  const items = all(q, name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length === 0 ? undefined : items;
}

export interface Filters {
  channel_type: string[] | undefined;
  language: string[] | undefined;
}

export function filtersOf(q: Query): Filters {
  return { channel_type: commaList(q, 'channel_type'), language: commaList(q, 'language') };
}

/** Conversation filters take the conversation's first event, event filters the event itself (§7). */
export function passes(f: Filters, x: { channel_type: string; language: string }): boolean {
  return (
    (f.channel_type === undefined || f.channel_type.includes(x.channel_type)) &&
    (f.language === undefined || f.language.includes(x.language))
  );
}

/** Extension of §3: `timezone` (IANA), default UTC. */
export function zoneOf(q: Query): string {
  const z = one(q, 'timezone');
  return z === undefined || z === '' ? 'UTC' : z;
}

export interface Range {
  zone: string;
  startMs: number;
  endMs: number;
}

export function rangeOf(q: Query): Range {
  const zone = zoneOf(q);
  return {
    zone,
    startMs: parseTimeParam(required(q, 'start_time'), zone),
    endMs: parseTimeParam(required(q, 'end_time'), zone),
  };
}

/** Decision: an empty `bucket=` is the same as no bucket. */
export function bucketOf(q: Query): BucketParam | undefined {
  const b = one(q, 'bucket');
  if (b === undefined || b === '') return undefined;
  if (b === '1h' || b === '1d' || b === '1w' || b === '1m') return b;
  throw new Error(`unsupported bucket ${b}`);
}

export function timelineOf(q: Query): Timeline {
  const r = rangeOf(q);
  return buildTimeline(r.startMs, r.endMs, r.zone, bucketOf(q));
}

export function inRange(r: Range, ms: number): boolean {
  return ms >= r.startMs && ms < r.endMs;
}

/** Conversation metrics (§7): conversations of bot+version that STARTED in range, filtered on their first event. */
export function botConversations(model: Model, bot: string, version: string, r: Range, f: Filters): Conversation[] {
  return model.conversations.filter(
    (c) => c.bot_id === bot && c.version === version && inRange(r, c.startMs) && passes(f, c),
  );
}

/** Event metrics (§7): events of bot+version whose own timestamp is in range, filtered on their own fields. */
export function botEvents(model: Model, bot: string, version: string, r: Range, f: Filters): ModelEvent[] {
  return model.events.filter((e) => e.bot_id === bot && e.version === version && inRange(r, e.ms) && passes(f, e));
}

export function isUserMessage(e: ModelEvent): boolean {
  return e.type === 'message' && e.raw.direction === 'user';
}

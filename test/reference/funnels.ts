/**
 * Analytics_ComputeEventsFunnel and Analytics_ComputeFlowFunnel (CONTRACT-LIVE-API §3),
 * written from the contract only: plain loops over each actor's sequence.
 *
 * Decisions (docs/decisions/issue-13-funnels.md): a flow funnel's keys are
 * channel_type, language, campaign_id, campaign_source with or without `$` (the HTTP
 * layer refuses others, so the reference never sees them); `breakdown_property` "" means
 * no breakdown; `order_type` defaults to sequential.
 */
import { eventKeyText, matchesAll, type RefFilter } from './filters.js';
import type { Conversation, Model, ModelEvent } from './model.js';
import { compareText } from './order.js';
import { inRange, type Query, rangeOf } from './params.js';

export interface RefFunnelStep {
  order: number;
  event_id: string;
  properties?: RefFilter[];
}

export interface RefFunnelBody {
  version: string;
  start_time: string;
  end_time: string;
  timezone?: string;
  steps: RefFunnelStep[];
  order_type?: 'sequential' | 'strict';
  breakdown_property?: string;
  properties?: RefFilter[];
}

export interface RefFunnelAnswer {
  result: { values: { event_id: string; count: number; order: number; breakdown_value: string }[] }[];
}

/** An actor: its sequence, in order, and how to read a key on one of its elements. */
interface Actor<E> {
  sequence: E[];
}

/**
 * Depth reached and the index of the event that reached step 1 on the deepest path
 * (the earliest such path), or depth 0.
 */
function walk<E>(seq: E[], n: number, matches: (e: E, k: number) => boolean, strict: boolean) {
  if (!strict) {
    // sequential: step 1 at its first matching event, step k at the first event
    // matching step k after the one that reached step k − 1.
    let depth = 0;
    let start = -1;
    for (let i = 0; i < seq.length && depth < n; i++) {
      const e = seq[i] as E;
      if (matches(e, depth)) {
        if (depth === 0) start = i;
        depth += 1;
      }
    }
    return { depth, start };
  }
  // strict: k consecutive events match steps 1…k; the deepest such run, the earliest on ties.
  let best = { depth: 0, start: -1 };
  for (let i = 0; i < seq.length; i++) {
    let k = 0;
    while (k < n && i + k < seq.length && matches(seq[i + k] as E, k)) k++;
    if (k > best.depth) best = { depth: k, start: i };
  }
  return best;
}

function answer<E>(
  body: RefFunnelBody,
  actors: Actor<E>[],
  matches: (e: E, step: RefFunnelStep) => boolean,
  breakdownOf: (e: E, key: string) => string,
): RefFunnelAnswer {
  // Ascending order; ties keep the order given (a stable sort).
  const steps = body.steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.order - b.s.order || a.i - b.i)
    .map((x) => x.s);
  const key =
    body.breakdown_property === undefined || body.breakdown_property === '' ? undefined : body.breakdown_property;
  const strict = body.order_type === 'strict';
  const groups = new Map<string, number[]>();
  for (const a of actors) {
    const { depth, start } = walk(a.sequence, steps.length, (e, k) => matches(e, steps[k] as RefFunnelStep), strict);
    if (depth === 0) continue;
    const value = key === undefined ? '' : breakdownOf(a.sequence[start] as E, key);
    const counts = groups.get(value) ?? steps.map(() => 0);
    for (let k = 0; k < depth; k++) counts[k] = (counts[k] ?? 0) + 1;
    groups.set(value, counts);
  }
  const entry = (value: string, counts: number[]) => ({
    values: steps.map((s, k) => ({
      event_id: s.event_id,
      count: counts[k] ?? 0,
      order: s.order,
      breakdown_value: value,
    })),
  });
  if (key === undefined) return { result: [entry('', groups.get('') ?? steps.map(() => 0))] };
  const entries = [...groups.entries()].sort((a, b) => (b[1][0] ?? 0) - (a[1][0] ?? 0) || compareText(a[0], b[0]));
  return { result: entries.map(([v, c]) => entry(v, c)) };
}

function asQuery(body: RefFunnelBody): Query {
  const q: Query = { start_time: body.start_time, end_time: body.end_time };
  if (body.timezone !== undefined) q.timezone = body.timezone;
  return q;
}

/**
 * Events funnel. `definitions` maps this bot's event definition ids to their event names
 * (as GET …/events/definitions lists them).
 */
export function computeEventsFunnel(
  model: Model,
  botId: string,
  body: RefFunnelBody,
  definitions: ReadonlyMap<string, string>,
): RefFunnelAnswer {
  const range = rangeOf(asQuery(body));
  const convId = (e: ModelEvent) =>
    e.conversationKey === undefined
      ? undefined
      : model.conversations.find((c) => c.key === e.conversationKey)?.conversation_id;
  const byUser = new Map<string, ModelEvent[]>();
  for (const e of model.events) {
    if (e.type !== 'tracking' || e.bot_id !== botId || e.version !== body.version || !inRange(range, e.ms)) continue;
    if (!matchesAll((k) => eventKeyText(e, convId(e), k), body.properties)) continue;
    const user = e.user_id ?? '';
    byUser.set(user, [...(byUser.get(user) ?? []), e]);
  }
  const actors = [...byUser.values()].map((evs) => ({
    sequence: [...evs].sort((a, b) => a.ms - b.ms || a.seq - b.seq),
  }));
  const matches = (e: ModelEvent, s: RefFunnelStep) =>
    (e.raw.event === s.event_id || definitions.get(s.event_id) === e.raw.event) &&
    matchesAll((k) => eventKeyText(e, convId(e), k), s.properties);
  return answer(body, actors, matches, (e, k) => eventKeyText(e, convId(e), k));
}

/** A conversation's first-event field for a flow-funnel key (with or without `$`). */
export function conversationKeyText(c: Conversation, key: string): string {
  switch (key.startsWith('$') ? key.slice(1) : key) {
    case 'channel_type':
      return c.channel_type;
    case 'language':
      return c.language;
    case 'campaign_id':
      return c.campaign_id ?? '';
    case 'campaign_source':
      return c.campaign_source ?? '';
    default:
      throw new Error(`reference: a flow funnel has no key ${key}`);
  }
}

/** Flow funnel: conversations that started in range, their steps in flow order. */
export function computeFlowFunnel(model: Model, botId: string, body: RefFunnelBody): RefFunnelAnswer {
  const range = rangeOf(asQuery(body));
  const convs = model.conversations.filter(
    (c) =>
      c.bot_id === botId &&
      c.version === body.version &&
      inRange(range, c.startMs) &&
      matchesAll((k) => conversationKeyText(c, k), body.properties),
  );
  type Visit = { c: Conversation; step_id: string };
  const actors = convs.map((c) => ({ sequence: c.steps.map((s): Visit => ({ c, step_id: s.step_id })) }));
  const matches = (v: Visit, s: RefFunnelStep) =>
    v.step_id === s.event_id && matchesAll((k) => conversationKeyText(v.c, k), s.properties);
  return answer(body, actors, matches, (v, k) => conversationKeyText(v.c, k));
}

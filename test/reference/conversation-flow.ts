/**
 * Analytics_GetConversationFlow (CONTRACT-LIVE-API §4), from the contract only.
 *
 * The conversation is found by (bot, version, conversation_id): a supplied id is scoped to
 * its bot and version (CONTRACT §7). The reference's auto conversations have ids
 * `ref-auto-n` that the service never uses, so callers map the real id to the model's
 * through `conversationIdMap` (read from the stored events) when they ask for one.
 */
import type { Conversation, Model, ModelEvent } from './model.js';
import { isUserMessage, one, type PathParams, type Query, rangeOf, required } from './params.js';

export interface RefStep {
  id: string;
  type: string;
}

export interface RefTransition {
  id: string;
  from_step: RefStep;
  to_step: RefStep;
  depth: number;
  timestamp: string;
}

export interface ConversationFlowBody {
  bot_id: string;
  conversation_id: string;
  user_id: string;
  transitions: RefTransition[];
}

/** What the service answers with 404 {code: 5}. */
export class RefNotFound extends Error {}

/**
 * The conversation with that id on bot + version. `realIds` maps a model conversation's
 * key to the id the service gave it (needed for sessionized conversations only).
 */
export function findConversation(
  model: Model,
  bot: string,
  version: string,
  conversationId: string,
  realIds: ReadonlyMap<string, string> = new Map(),
): Conversation | undefined {
  return model.conversations.find(
    (c) =>
      c.bot_id === bot &&
      c.version === version &&
      (realIds.get(c.key) ?? (c.supplied ? c.conversation_id : undefined)) === conversationId,
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Decisions (also in docs/decisions/issue-13-convflow.md):
 * - "has an event in range" counts the conversation's message/step/tracking events (the
 *   types that form conversations); every step is then listed, also those out of range.
 * - `user_id` is the conversation's (its first event's), '' when it has none.
 * - A step without `step_type` has type ''.
 * - An empty `message_id=` is the same as none. A message id used twice in the
 *   conversation (possible after the 24 h dedupe window) means its first occurrence.
 * - The message window is by flow order (timestamp, then ingest order): a step at the
 *   message's very timestamp but ingested after it is "after" it.
 */
export function getConversationFlow(
  model: Model,
  path: PathParams,
  q: Query,
  realIds: ReadonlyMap<string, string> = new Map(),
): ConversationFlowBody {
  const bot = required(path, 'bot_id');
  const conversationId = required(path, 'conversation_id');
  const version = required(q, 'version');
  const range = rangeOf(q);
  const c = findConversation(model, bot, version, conversationId, realIds);
  if (c === undefined || !c.events.some((e) => e.ms >= range.startMs && e.ms < range.endMs)) {
    throw new RefNotFound('conversation');
  }
  const events: ModelEvent[] = c.events; // ordered by time, then ingest order
  const transitions: RefTransition[] = [];
  const at: number[] = [];
  let prev: RefStep = { id: '', type: '' };
  events.forEach((e, i) => {
    if (e.type !== 'step') return;
    const step = { id: e.raw.step_id ?? '', type: e.raw.step_type ?? '' };
    transitions.push({
      id: e.raw.id ?? '',
      from_step: prev,
      to_step: step,
      depth: transitions.length + 1,
      timestamp: iso(e.ms),
    });
    at.push(i);
    prev = step;
  });
  const body = { bot_id: bot, conversation_id: conversationId, user_id: c.user_id ?? '' };
  const messageId = one(q, 'message_id');
  if (messageId === undefined || messageId === '') {
    const last = events[events.length - 1];
    if (transitions.length > 0 && last !== undefined) {
      transitions.push({
        id: '',
        from_step: prev,
        to_step: { id: 'DROPOFF', type: 'DROPOFF' },
        depth: transitions.length + 1,
        timestamp: iso(last.ms),
      });
    }
    return { ...body, transitions };
  }
  const m = events.findIndex((e) => isUserMessage(e) && e.raw.id === messageId);
  if (m < 0) throw new RefNotFound('message');
  let next = events.findIndex((e, i) => i > m && isUserMessage(e));
  if (next < 0) next = events.length;
  return { ...body, transitions: transitions.filter((_, k) => (at[k] ?? -1) > m && (at[k] ?? -1) < next) };
}

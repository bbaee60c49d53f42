/**
 * A team with a bot that has data on every endpoint (messages with intents, a flow
 * A→B→C, tracking events, voice calls, knowledge-base queries), an event definition
 * and a webhook subscription; the fuzz tests derive their valid values from it.
 */
import assert from 'node:assert/strict';
import { api, ingest, type TestServer } from './server.ts';

const DAY = 86_400_000;

/** A supplied conversation id of the seeded bot (LIVE) with steps and a user message. */
export const FUZZ_CONVERSATION = 'fuzz-conv';

export interface SeededTeam {
  team: string;
  token: string;
  bot: string;
  step: string;
  subscriptionId: string;
  definition: string;
  /** A 7-day range holding the data, as RFC 3339. */
  start: string;
  end: string;
}

export function seedRange(): { startMs: number; endMs: number } {
  const today = Math.floor(Date.now() / DAY) * DAY;
  return { startMs: today - 7 * DAY, endMs: today };
}

/** Events of one bot: a day after the range start, a few users, both versions. */
export function seedEvents(team: string, bot: string, startMs: number): Record<string, unknown>[] {
  const at = (min: number) => new Date(startMs + DAY + min * 60_000).toISOString();
  const common = (user: string, min: number, version = 'LIVE') => ({
    timestamp: at(min),
    team_id: team,
    bot_id: bot,
    version,
    user_id: user,
    channel_type: 'web',
    language: 'en',
  });
  const events: Record<string, unknown>[] = [];
  for (const [i, user] of ['u1', 'u2', 'u3'].entries()) {
    const t = i * 60;
    events.push(
      { type: 'message', ...common(user, t), direction: 'user', kind: 'text', intent: 'greet', confidence: 0.9 },
      { type: 'step', ...common(user, t + 1), step_id: 'A', step_type: 'bot_dialog' },
      { type: 'message', ...common(user, t + 2), direction: 'user', kind: 'text', intent: i === 0 ? 'buy' : null },
      { type: 'step', ...common(user, t + 3), step_id: 'B', step_type: 'action' },
      { type: 'message', ...common(user, t + 4), direction: 'user', kind: 'button' },
      { type: 'tracking', ...common(user, t + 5), event: 'signup', attributes: { plan: 'pro', seats: 3 } },
      { type: 'step', ...common(user, t + 6), step_id: 'C', step_type: 'input_validation' },
      { type: 'message', ...common(user, t + 7), direction: 'bot' },
      { type: 'message', ...common(user, t + 8, 'DRAFT'), direction: 'user', kind: 'media' },
    );
  }
  events.push(
    { type: 'voice_call', ...common('u1', 300), duration_seconds: 90 },
    { type: 'kb_query', ...common('u2', 301), answered: true },
    { type: 'kb_query', ...common('u3', 302), answered: false },
    // One conversation with a known id, for Analytics_GetConversationFlow.
    {
      type: 'message',
      ...common('u4', 400),
      conversation_id: FUZZ_CONVERSATION,
      id: 'fuzz-msg',
      direction: 'user',
      kind: 'text',
      intent: 'greet',
    },
    { type: 'step', ...common('u4', 401), conversation_id: FUZZ_CONVERSATION, step_id: 'A', step_type: 'bot_dialog' },
  );
  return events;
}

const json = (body: unknown) => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

/** Seeds `team` through the public API (ingest, then admin writes) and returns its ids. */
export async function seedTeam(srv: TestServer, team: string, bot: string): Promise<SeededTeam> {
  const token = await srv.token(team);
  const { startMs, endMs } = seedRange();
  const res = await ingest(srv.url, token, seedEvents(team, bot, startMs));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const def = await api(
    `${srv.url}/v1/bots/${bot}/events/definitions`,
    token,
    json({ event: 'manual_def', description: 'd' }),
  );
  assert.equal(def.status, 200, JSON.stringify(def.body));
  // A closed loopback port: the server never needs to reach it (no event follows the subscription).
  const sub = await api(
    `${srv.url}/v1/bots/${bot}/subscriptions`,
    token,
    json({ target: 'http://127.0.0.1:9/hook', event_type: 'TRACKING_EVENT', version: 'v1', secret: 'fuzz-secret-1' }),
  );
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  return {
    team,
    token,
    bot,
    step: 'A',
    subscriptionId: (sub.body as { subscription: { id: string } }).subscription.id,
    definition: 'manual_def',
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
  };
}

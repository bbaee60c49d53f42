/**
 * Hand-computed tests of the reference's TrackEvent rules (CONTRACT-LIVE-API §1,
 * test/reference/track.ts). If one fails, the reference (not the service) is wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getConversations, getConversationsInsights } from './endpoints.js';
import type { RefEvent } from './events.js';
import { buildModel, type Model } from './model.js';
import { type TrackBody, trackRefEvent } from './track.js';

const at = (min: number): string => new Date(Date.parse('2026-11-02T10:00:00Z') + min * 60_000).toISOString();
const msg = (min: number, p: Partial<RefEvent> = {}): RefEvent => ({
  type: 'message',
  team_id: 't1',
  bot_id: 'b1',
  version: 'LIVE',
  user_id: 'u1',
  direction: 'user',
  kind: 'text',
  intent: null,
  channel_type: 'web',
  channel_id: 'w-1',
  language: 'nl',
  timestamp: at(min),
  ...p,
});
const track = (min: number, p: Partial<TrackBody> = {}): RefEvent =>
  trackRefEvent('t1', 'b1', { version: 'LIVE', user_id: 'u1', event: 'buy', timestamp: at(min), ...p });

/** Per tracking event: [conversation index or -1, channel_type, channel_id, language]. */
function tracked(m: Model): [number, string, string, string][] {
  return m.events
    .filter((e) => e.type === 'tracking')
    .map((e) => [
      m.conversations.findIndex((c) => c.key === e.conversationKey),
      e.channel_type,
      e.channel_id,
      e.language,
    ]);
}

test('joins the conversation open at t and takes its first event fields', () => {
  const m = buildModel([msg(0), msg(5, { language: 'fr', channel_id: 'w-2' }), track(19)]);
  assert.equal(m.conversations.length, 1);
  assert.deepEqual(tracked(m), [[0, 'web', 'w-1', 'nl']]);
  // The tracking event is one of its events: it ends the conversation.
  assert.equal(m.conversations[0]?.endMs, Date.parse(at(19)));
});

test('nothing open (15:00 after, or before every event): no conversation, unknown channel', () => {
  const m = buildModel([msg(0), track(15), track(-1)]);
  assert.equal(m.conversations.length, 1);
  assert.deepEqual(tracked(m), [
    [-1, 'unknown', '', 'unknown'],
    [-1, 'unknown', '', 'unknown'],
  ]);
});

test('ingest order: a tracking event does not see events accepted after it', () => {
  const m = buildModel([track(5), msg(0)]);
  assert.deepEqual(tracked(m), [[-1, 'unknown', '', 'unknown']]);
});

test('a joined tracking event carries the gap rule to later messages of its channel', () => {
  const m = buildModel([msg(0), track(14), msg(27)]);
  assert.equal(m.conversations.length, 1);
  assert.equal(m.conversations[0]?.userMessages, 2);
  // Without the tracking event the two messages are 27 minutes apart: two conversations.
  assert.equal(buildModel([msg(0), msg(27)]).conversations.length, 2);
});

test('an unjoined tracking event does not bridge later messages', () => {
  const m = buildModel([msg(0), track(20), msg(30)]);
  assert.equal(m.conversations.length, 2);
});

test('several open, on any channel: the latest event at or before t decides', () => {
  const m = buildModel([
    msg(0, { channel_type: 'whatsapp', channel_id: 'wa', language: 'en' }),
    msg(3),
    track(2),
    track(10),
  ]);
  // Conversations ordered by start: whatsapp (0) then web (1).
  assert.deepEqual(tracked(m), [
    [0, 'whatsapp', 'wa', 'en'],
    [1, 'web', 'w-1', 'nl'],
  ]);
});

test('a joined event never bridges two stored conversations; the next message joins the latest', () => {
  // Conversations A (0) and B (28) on web; the tracking event at 14 joins A (B is not open
  // at 14), which brings A within 14 minutes of B, but B stays its own conversation; a
  // message at 28.5 then joins B, whose latest event at or before it is later than A's.
  const m = buildModel([msg(0), msg(28), track(14), msg(28.5)]);
  assert.equal(m.conversations.length, 2);
  assert.deepEqual(
    m.conversations.map((c) => [c.startMs, c.endMs, c.userMessages]),
    [
      [Date.parse(at(0)), Date.parse(at(14)), 1],
      [Date.parse(at(28)), Date.parse(at(28.5)), 2],
    ],
  );
});

test('context.conversation_id: used as is, never split; a new id starts it with unknown fields', () => {
  const m = buildModel([
    msg(0, { conversation_id: 'c1', channel_type: 'voice', language: 'de' }),
    track(300, { context: { conversation_id: 'c1' } }),
    track(301, { context: { conversation_id: 'c2' } }),
    // Supplied conversations are the user's too: open at 310 through the event at 301.
    track(310),
  ]);
  assert.deepEqual(
    m.conversations.map((c) => c.conversation_id),
    ['c1', 'c2'],
  );
  assert.deepEqual(tracked(m), [
    [0, 'voice', 'w-1', 'de'],
    [1, 'unknown', '', 'unknown'],
    [1, 'unknown', '', 'unknown'],
  ]);
});

test('another user, bot or version is never joined', () => {
  const m = buildModel([msg(0, { user_id: 'u2' }), msg(0, { bot_id: 'b2' }), msg(0, { version: 'DRAFT' }), track(1)]);
  assert.deepEqual(tracked(m), [[-1, 'unknown', '', 'unknown']]);
});

test('campaign fields: id/source to columns, the rest to attributes; a conflict throws', () => {
  const e = trackRefEvent('t1', 'b1', {
    version: 'LIVE',
    user_id: 'u1',
    event: 'x',
    timestamp: at(0),
    attributes: { campaign_term: 'same', a: 1 },
    context: { campaign: { id: 'c', source: 's', medium: 'm', name: '', term: 'same' } },
  });
  assert.deepEqual(
    [e.campaign_id, e.campaign_source, e.attributes],
    ['c', 's', { campaign_term: 'same', a: 1, campaign_medium: 'm' }],
  );
  assert.throws(() =>
    trackRefEvent('t1', 'b1', {
      version: 'LIVE',
      user_id: 'u1',
      event: 'x',
      timestamp: at(0),
      attributes: { campaign_name: 1 },
      context: { campaign: { name: '1' } },
    }),
  );
});

test('conversation metrics count the joined event (duration) and not the unjoined one', () => {
  const m = buildModel([msg(0), track(10), track(40)]);
  const q = { version: 'LIVE', start_time: at(-60), end_time: at(120) };
  const c = getConversations(m, { bot_id: 'b1' }, q);
  assert.deepEqual(c.data.series[0]?.values, [1]);
  const d = getConversationsInsights(m, { bot_id: 'b1' }, { ...q, stat: 'duration_seconds' });
  // 600 s: the 600-1800 bin.
  assert.deepEqual(d.data.series[0]?.values, [0, 0, 0, 0, 0, 0, 1, 0]);
});

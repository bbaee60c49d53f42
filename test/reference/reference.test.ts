/**
 * Unit tests of the reference implementation itself, on small examples whose
 * answers were computed by hand from CONTRACT.md. If one of these fails, the
 * reference (not the service) is wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTimeline, parseTimeParam, roundHalfUpDiv, serie } from './buckets.js';
import {
  buildModel,
  getConversations,
  getConversationsInsights,
  getFlowStepDetails,
  getFlowStepEdges,
  getFlows,
  getIntentInsights,
  getIntents,
  getMessages,
  getTeamConversationsUsage,
  getTeamKnowledgeBaseUsage,
  getUserActivity,
  getUsers,
  getVoiceAnalytics,
  rankIntents,
} from './endpoints.js';
import type { RefEvent } from './events.js';
import { compareText } from './order.js';

const B = { bot_id: 'b1' };
const T = { team_id: 't1' };

function ev(p: Partial<RefEvent> & Pick<RefEvent, 'timestamp'>): RefEvent {
  return {
    type: 'message',
    team_id: 't1',
    bot_id: 'b1',
    version: 'LIVE',
    user_id: 'u1',
    direction: 'user',
    kind: 'text',
    intent: null,
    ...p,
  };
}
const msg = (timestamp: string, p: Partial<RefEvent> = {}): RefEvent => ev({ timestamp, ...p });
const step = (timestamp: string, step_id: string, p: Partial<RefEvent> = {}): RefEvent =>
  ev({ type: 'step', timestamp, step_id, step_type: `type-${step_id}`, direction: undefined, kind: undefined, ...p });

const DAY = { version: 'LIVE', start_time: '2026-11-02T00:00:00Z', end_time: '2026-11-03T00:00:00Z' };

test('sessionization: a 14:59 gap stays in the conversation, 15:00 splits', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z'),
    msg('2026-11-02T10:14:59Z'),
    msg('2026-11-02T10:29:59Z'), // 15:00 after the previous one: new conversation
    msg('2026-11-02T10:44:58.999Z'), // 14:59.999: same conversation
  ]);
  assert.equal(m.conversations.length, 2);
  assert.deepEqual(
    m.conversations.map((c) => [c.userMessages, c.startMs, c.endMs]),
    [
      [2, Date.parse('2026-11-02T10:00:00Z'), Date.parse('2026-11-02T10:14:59Z')],
      [2, Date.parse('2026-11-02T10:29:59Z'), Date.parse('2026-11-02T10:44:58.999Z')],
    ],
  );
});

test('sessionization keys on bot, version, user and channel_type; voice/kb form no conversation', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z'),
    msg('2026-11-02T10:01:00Z', { channel_type: 'web' }),
    msg('2026-11-02T10:02:00Z', { version: 'DRAFT' }),
    msg('2026-11-02T10:03:00Z', { user_id: 'u2' }),
    msg('2026-11-02T10:04:00Z', { bot_id: 'b2' }),
    msg('2026-11-02T10:05:00Z', { channel_type: 'unknown' }), // the default: joins the first one
    ev({ type: 'voice_call', timestamp: '2026-11-02T10:06:00Z', duration_seconds: 5, user_id: 'u7' }),
    ev({ type: 'kb_query', timestamp: '2026-11-02T10:07:00Z', answered: true, user_id: 'u8' }),
  ]);
  assert.equal(m.conversations.length, 5);
  assert.equal(m.conversations[0]?.userMessages, 2);
  assert.equal(m.conversations[0]?.channel_type, 'unknown');
  assert.equal(m.conversations[0]?.language, 'unknown');
});

test('a supplied conversation_id is used as is, scoped to bot+version, and does not bridge gaps', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z'),
    msg('2026-11-02T10:10:00Z', { conversation_id: 'c1' }),
    msg('2026-11-02T10:20:00Z'), // 20 min after the first sessionized one: a new conversation
    msg('2026-11-02T12:00:00Z', { conversation_id: 'c1', user_id: 'u9', channel_type: 'web' }), // same c1, no split
    msg('2026-11-02T12:00:00Z', { conversation_id: 'c1', version: 'DRAFT' }), // other version: other conversation
  ]);
  const supplied = m.conversations.filter((c) => c.supplied);
  assert.equal(m.conversations.length, 4);
  assert.equal(supplied.length, 2);
  const live = supplied.find((c) => c.version === 'LIVE');
  assert.ok(live);
  assert.equal(live.conversation_id, 'c1');
  assert.equal(live.events.length, 2);
  assert.equal(live.user_id, 'u1'); // the first event's user
  assert.equal(live.endMs - live.startMs, 110 * 60_000);
});

test('dedupe: a repeated id for the same bot is dropped before sessionization', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z', { id: 'e1' }),
    msg('2026-11-02T10:20:00Z', { id: 'e2' }),
    // Would bridge the 20 min gap if it were kept; it repeats e1's id so it is dropped.
    msg('2026-11-02T10:10:00Z', { id: 'e1', channel_type: 'web' }),
    msg('2026-11-02T10:10:00Z', { id: 'e1', bot_id: 'b2' }), // same id on another bot: kept
  ]);
  assert.equal(m.duplicates, 1);
  assert.equal(m.accepted, 3);
  assert.equal(m.conversations.filter((c) => c.bot_id === 'b1').length, 2);
  const body = getMessages(m, B, { ...DAY, channel_type: 'web' });
  assert.equal(body.data.series[1]?.sum, 0);
});

test('Europe/Brussels spring day (2026-03-29) is 23 h: day and hour buckets', () => {
  const zone = 'Europe/Brussels';
  const day = buildTimeline(parseTimeParam('2026-03-28', zone), parseTimeParam('2026-03-31', zone), zone, '1d');
  assert.deepEqual(day.labels, ['2026-03-28T00:00:00+01:00', '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00']);
  assert.equal((day.starts[2] ?? 0) - (day.starts[1] ?? 0), 23 * 3_600_000);
  assert.equal(day.indexOf(Date.parse('2026-03-29T21:59:59Z')), 1); // 23:59:59 CEST
  assert.equal(day.indexOf(Date.parse('2026-03-29T22:00:00Z')), 2); // 00:00 CEST next day
  const hours = buildTimeline(parseTimeParam('2026-03-29', zone), parseTimeParam('2026-03-30', zone), zone, '1h');
  assert.equal(hours.labels.length, 23);
  assert.deepEqual(hours.labels.slice(1, 3), ['2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00']);
});

test('Europe/Brussels autumn day (2026-10-25) is 25 h; the repeated 02:00 is two hour buckets', () => {
  const zone = 'Europe/Brussels';
  const q = { version: 'LIVE', start_time: '2026-10-24', end_time: '2026-10-27', bucket: '1d', timezone: zone };
  const m = buildModel([
    msg('2026-10-24T22:30:00Z'), // 00:30 CEST on the 25th
    msg('2026-10-25T22:59:00Z', { user_id: 'u2' }), // 23:59 CET on the 25th
    msg('2026-10-25T23:00:00Z', { user_id: 'u3' }), // 00:00 CET on the 26th
  ]);
  const body = getMessages(m, B, q);
  assert.deepEqual(body.data.x_values, [
    '2026-10-24T00:00:00+02:00',
    '2026-10-25T00:00:00+02:00',
    '2026-10-26T00:00:00+01:00',
  ]);
  assert.deepEqual(body.data.series[1]?.values, [0, 2, 1]);
  const hours = buildTimeline(parseTimeParam('2026-10-25', zone), parseTimeParam('2026-10-26', zone), zone, '1h');
  assert.equal(hours.labels.length, 25);
  assert.deepEqual(hours.labels.slice(2, 4), ['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);
});

test('1w buckets are ISO weeks starting Monday, the first one may start before start_time', () => {
  const m = buildModel([msg('2026-11-08T23:59:59Z'), msg('2026-11-09T00:00:00Z', { user_id: 'u2' })]);
  const body = getConversations(m, B, {
    version: 'LIVE',
    start_time: '2026-11-04',
    end_time: '2026-11-20',
    bucket: '1w',
  });
  assert.deepEqual(body.data.x_values, ['2026-11-02T00:00:00Z', '2026-11-09T00:00:00Z', '2026-11-16T00:00:00Z']);
  assert.deepEqual(body.data.series_labels, ['conversations']);
  assert.deepEqual(body.data.series[0], { values: [1, 1, 0], mean: 1, max: 1, min: 0, sum: 2, labels: {} });
});

test('1m buckets are calendar months (team conversations)', () => {
  const m = buildModel([
    msg('2026-01-10T00:00:00Z'), // before start_time: never counts although in the first bucket
    msg('2026-01-31T23:59:00Z', { user_id: 'u2' }),
    msg('2026-02-01T00:00:00Z', { user_id: 'u3' }),
    msg('2026-03-31T12:00:00Z', { user_id: 'u4' }),
  ]);
  const body = getTeamConversationsUsage(m, T, { start_time: '2026-01-15', end_time: '2026-04-01', bucket: '1m' });
  assert.deepEqual(body.data.x_values, ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z']);
  assert.deepEqual(body.data.series[0]?.values, [1, 1, 1]);
});

test('no bucket: one bucket labelled start_time in the request zone', () => {
  const m = buildModel([msg('2026-11-02T10:00:00Z')]);
  const utc = getMessages(m, B, {
    version: 'LIVE',
    start_time: '2026-11-02T09:30:00+01:00',
    end_time: '2026-11-03T00:00:00Z',
  });
  assert.deepEqual(utc.data.x_values, ['2026-11-02T08:30:00Z']);
  const bxl = getMessages(m, B, {
    version: 'LIVE',
    start_time: '2026-11-02',
    end_time: '2026-11-03',
    timezone: 'Europe/Brussels',
  });
  assert.deepEqual(bxl.data.x_values, ['2026-11-02T00:00:00+01:00']);
  assert.deepEqual(bxl.data.series[1]?.values, [1]);
});

test('serie: mean rounds halves up, empty series is all zeros', () => {
  assert.equal(serie([4, 1]).mean, 3);
  assert.equal(serie([1, 2]).mean, 2);
  assert.equal(serie([2, 2, 3]).mean, 2);
  assert.equal(serie([0, 1, 1, 1]).mean, 1);
  assert.equal(roundHalfUpDiv(7, 2), 4);
  assert.deepEqual(serie([3, 0, 5]), { values: [3, 0, 5], mean: 3, max: 5, min: 0, sum: 8, labels: {} });
  assert.deepEqual(serie([]), { values: [], mean: 0, max: 0, min: 0, sum: 0, labels: {} });
});

test('messages: four categories, event time and the event’s own fields', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z', { intent: 'greet', language: 'nl' }),
    msg('2026-11-02T10:01:00Z', { intent: null }),
    msg('2026-11-02T10:02:00Z', { kind: 'button' }),
    msg('2026-11-02T10:03:00Z', { kind: 'media' }),
    msg('2026-11-02T10:04:00Z', { direction: 'bot' }),
    msg('2026-11-03T00:00:00Z', { intent: 'greet' }), // end_time is exclusive
  ]);
  const all = getMessages(m, B, DAY);
  assert.deepEqual(all.data.series_labels, ['understood', 'not_understood', 'button_click', 'other']);
  assert.deepEqual(
    all.data.series.map((s) => s.sum),
    [1, 1, 1, 1],
  );
  const nl = getMessages(m, B, { ...DAY, language: 'fr,nl' });
  assert.deepEqual(
    nl.data.series.map((s) => s.sum),
    [1, 0, 0, 0],
  );
});

test('conversations group_by: one series per value, sum desc then label asc, empty groups absent', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z', { channel_type: 'web' }),
    msg('2026-11-02T10:00:00Z', { channel_type: 'web', user_id: 'u2' }),
    msg('2026-11-02T10:00:00Z', { channel_type: 'whatsapp' }),
    msg('2026-11-02T10:00:00Z', { channel_type: 'messenger' }),
    msg('2026-11-04T10:00:00Z', { channel_type: 'sms' }), // out of range
  ]);
  const body = getConversations(m, B, { ...DAY, group_by: 'channel_type' });
  assert.deepEqual(body.data.series_labels, ['web', 'messenger', 'whatsapp']);
  assert.deepEqual(
    body.data.series.map((s) => s.sum),
    [2, 1, 1],
  );
  // CONTRACT-LIVE-API §6: each series names its group value.
  assert.deepEqual(
    body.data.series.map((s) => s.labels),
    [{ channel_type: 'web' }, { channel_type: 'messenger' }, { channel_type: 'whatsapp' }],
  );
  assert.deepEqual(getConversations(m, B, DAY).data.series[0]?.labels, {});
});

test('conversation metrics take conversations started in range with their later events, filter on first event', () => {
  const m = buildModel([
    msg('2026-11-02T23:55:00Z', { language: 'en' }),
    msg('2026-11-03T00:05:00Z', { language: 'fr' }),
    msg('2026-11-03T00:10:00Z', { language: 'fr' }),
    msg('2026-11-01T23:55:00Z', { user_id: 'u2' }), // started before the range
    msg('2026-11-02T00:05:00Z', { user_id: 'u2' }),
  ]);
  const nm = getConversationsInsights(m, B, { ...DAY, stat: 'num_messages' });
  assert.deepEqual(nm.data.x_values, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
  assert.deepEqual(nm.data.series[0]?.values, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(getConversationsInsights(m, B, { ...DAY, stat: 'num_messages', language: 'fr' }).data.series[0]?.sum, 0);
  const dur = getConversationsInsights(m, B, { ...DAY, stat: 'duration_seconds' });
  assert.deepEqual(dur.data.series_labels, ['duration_seconds']);
  // One conversation of 15 min (900 s, bin 600-1800) started in range; u2's started the day before.
  assert.deepEqual(dur.data.series[0]?.values, [0, 0, 0, 0, 0, 0, 1, 0]);
});

test('insights: duration bins are [lower, upper) and num_conversations counts per user', () => {
  const evs: RefEvent[] = [
    msg('2026-11-02T01:00:00Z'),
    msg('2026-11-02T01:00:10Z'), // 10 s → 10-30
    msg('2026-11-02T02:00:00Z'),
    msg('2026-11-02T02:00:09.999Z'), // 9.999 s → 0-10
    msg('2026-11-02T03:00:00Z'), // 0 s → 0-10
    step('2026-11-02T04:00:00Z', 'A', { user_id: 'u2' }), // bot-only conversation of u2: counts for num_conversations
  ];
  const m = buildModel(evs);
  const dur = getConversationsInsights(m, B, { ...DAY, stat: 'duration_seconds' });
  assert.deepEqual(dur.data.series[0]?.values, [3, 1, 0, 0, 0, 0, 0, 0]);
  const nc = getConversationsInsights(m, B, { ...DAY, stat: 'num_conversations' });
  assert.deepEqual(nc.data.x_values, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
  assert.deepEqual(nc.data.series[0]?.values, [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  const twelve = buildModel(Array.from({ length: 12 }, (_, i) => msg(`2026-11-02T${String(i + 10)}:00:00Z`)));
  assert.deepEqual(
    getConversationsInsights(twelve, B, { ...DAY, stat: 'num_conversations' }).data.series[0]?.values.at(-1),
    1,
  );
  assert.deepEqual(getConversationsInsights(twelve, B, { ...DAY, stat: 'num_messages' }).data.series[0]?.values[1], 12);
});

test('users: new = first ever message (also before start_time) falls in the bucket', () => {
  const m = buildModel([
    msg('2026-10-01T10:00:00Z', { user_id: 'old' }),
    msg('2026-11-02T10:00:00Z', { user_id: 'old' }),
    msg('2026-11-02T11:00:00Z', { user_id: 'fresh' }),
    msg('2026-11-03T11:00:00Z', { user_id: 'fresh' }),
    msg('2026-11-02T12:00:00Z', { user_id: 'draft', version: 'DRAFT' }),
    msg('2026-11-02T12:00:00Z', { user_id: 'botonly', direction: 'bot' }),
  ]);
  const body = getUsers(m, B, { version: 'LIVE', start_time: '2026-11-02', end_time: '2026-11-04', bucket: '1d' });
  assert.deepEqual(body.data.series_labels, ['total', 'new', 'returning']);
  assert.deepEqual(
    body.data.series.map((s) => s.values),
    [
      [2, 1],
      [1, 0],
      [1, 1],
    ],
  );
  // Calendar bucket, not clipped: first seen 09:00 (before start_time 10:00), active 11:00 → new that day.
  const early = buildModel([msg('2026-11-02T09:00:00Z'), msg('2026-11-02T11:00:00Z')]);
  const cut = { version: 'LIVE', start_time: '2026-11-02T10:00:00Z', end_time: '2026-11-04T00:00:00Z' };
  const byDay = getUsers(early, B, { ...cut, bucket: '1d' }).data.series.map((s) => s.values);
  assert.deepEqual(byDay, [
    [1, 0],
    [1, 0],
    [0, 0],
  ]);
  // Without a bucket the bucket is exactly [start_time, end_time): the same user is returning.
  assert.deepEqual(
    getUsers(early, B, cut).data.series.map((s) => s.values),
    [[1], [0], [1]],
  );
});

test('user activity: distinct users per weekday-hour slot in the request zone', () => {
  const m = buildModel([
    msg('2026-11-01T23:30:00Z'), // Sunday 23:30 UTC = Monday 00:30 in Brussels
    msg('2026-11-01T23:45:00Z'), // same user, same slot
    msg('2026-11-08T23:10:00Z', { user_id: 'u2' }), // next Monday 00:10 Brussels
  ]);
  const q = { version: 'LIVE', start_time: '2026-11-01', end_time: '2026-11-10', timezone: 'Europe/Brussels' };
  const body = getUserActivity(m, B, q);
  assert.equal(body.data.series_labels[0], 'Monday');
  assert.equal(body.data.series_labels[6], 'Sunday');
  assert.equal(body.data.x_values[0], '00');
  assert.equal(body.data.x_values[23], '23');
  assert.equal(body.data.series[0]?.values[0], 2);
  assert.equal(body.data.series[6]?.sum, 0);
  const utc = getUserActivity(m, B, { ...q, timezone: 'UTC', start_time: '2026-11-01T00:00:00Z' });
  assert.equal(utc.data.series[6]?.values[23], 2);
});

test('intents: rank by count desc, ties by intent_id, Relay pages', () => {
  const intents = ['d', 'a', 'c', 'a', 'c', 'b', 'c']; // d seen before b: the tie-break must reorder them
  const m = buildModel(intents.map((intent, i) => msg(`2026-11-02T10:0${i}:00Z`, { intent })));
  const ranked = rankIntents(m, B, DAY);
  assert.deepEqual(ranked, [
    { intent_id: 'c', count: 3, rank: 1 },
    { intent_id: 'a', count: 2, rank: 2 },
    { intent_id: 'b', count: 1, rank: 3 },
    { intent_id: 'd', count: 1, rank: 4 },
  ]);
  const p1 = getIntents(m, B, { ...DAY, first: '2' });
  assert.deepEqual(
    p1.data.map((x) => x.intent_id),
    ['c', 'a'],
  );
  assert.deepEqual(p1.pagination, { start_cursor: '1', end_cursor: '2', has_more: true });
  const p2 = getIntents(m, B, { ...DAY, first: '2', after: p1.pagination.end_cursor });
  assert.deepEqual(
    p2.data.map((x) => x.rank),
    [3, 4],
  );
  assert.equal(p2.pagination.has_more, false);
  const back = getIntents(m, B, { ...DAY, last: '2', before: '4' });
  assert.deepEqual(
    back.data.map((x) => x.rank),
    [2, 3],
  );
  assert.equal(back.pagination.has_more, true);
  assert.deepEqual(
    getIntents(m, B, { ...DAY, before: '2' }).data.map((x) => x.rank),
    [1],
  );
  const empty = getIntents(m, B, { ...DAY, after: '4' });
  assert.deepEqual(empty, { data: [], pagination: { start_cursor: '', end_cursor: '', has_more: false } });
  assert.equal(getIntents(m, B, { ...DAY, first: '500' }).data.length, 4);
});

test('intent insights: top 10 intents, series by sum desc then label asc', () => {
  const evs: RefEvent[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `i${String(i).padStart(2, '0')}`;
    for (let k = 0; k <= (i === 11 ? 5 : i % 3); k++)
      evs.push(msg('2026-11-02T10:00:00Z', { intent: name, user_id: `u${i}-${k}` }));
  }
  const body = getIntentInsights(buildModel(evs), B, { ...DAY, bucket: '1h' });
  assert.equal(body.data.series_labels.length, 10);
  assert.deepEqual(body.data.series_labels.slice(0, 5), ['i11', 'i02', 'i05', 'i08', 'i01']);
  // Counts: i11=6; i02,i05,i08=3; i01,i04,i07,i10=2; i00,i03,i06,i09=1 → the last two ones are cut.
  assert.deepEqual(body.data.series_labels.slice(8), ['i00', 'i03']);
  assert.equal(body.data.x_values.length, 24);
  assert.equal(body.data.series[0]?.values[10], 6);
});

test('flows: path explorer with DROPOFF, cycles A→B→A and self-loops', () => {
  const convs: string[][] = [['A', 'B', 'A', 'C'], ['A', 'B'], ['A', 'A', 'B'], ['B'], []];
  const evs: RefEvent[] = [];
  convs.forEach((steps, u) => {
    evs.push(msg('2026-11-02T10:00:00Z', { user_id: `u${u}` }));
    steps.forEach((s, i) => {
      evs.push(step(`2026-11-02T10:0${i + 1}:00Z`, s, { user_id: `u${u}` }));
    });
  });
  const m = buildModel(evs);
  const flows = (path?: string[]) => getFlows(m, B, path === undefined ? DAY : { ...DAY, path }).nodes;
  assert.deepEqual(flows(), [
    { occurrences: 3, id: 'A' },
    { occurrences: 1, id: 'B' },
  ]);
  assert.deepEqual(flows(['A']), [
    { occurrences: 2, id: 'B' },
    { occurrences: 1, id: 'A' },
  ]);
  assert.deepEqual(flows(['A', 'B']), [
    { occurrences: 1, id: 'A' },
    { occurrences: 1, id: 'DROPOFF' },
  ]);
  assert.deepEqual(flows(['A', 'B', 'A']), [{ occurrences: 1, id: 'C' }]);
  assert.deepEqual(flows(['A', 'A']), [{ occurrences: 1, id: 'B' }]);
  assert.deepEqual(flows(['B']), [{ occurrences: 1, id: 'DROPOFF' }]);
  assert.deepEqual(flows(['C']), []);

  assert.deepEqual(getFlowStepDetails(m, { ...B, step_id: 'A' }, DAY), {
    message_count: 5,
    drop_off_count: 0,
    conversation_count: 3,
  });
  assert.deepEqual(getFlowStepDetails(m, { ...B, step_id: 'B' }, DAY), {
    message_count: 4,
    drop_off_count: 3,
    conversation_count: 4,
  });

  const edgeQ = { start_time: DAY.start_time, end_time: DAY.end_time };
  const edges = (type: string) =>
    getFlowStepEdges(m, { ...B, version: 'LIVE', step_id: 'A' }, { ...edgeQ, type }).edges;
  // Sources of A: B (A→B→A) and A (the self-loop A→A); first steps have no source.
  assert.deepEqual(edges('sources'), [
    { count: 1, id: 'A', type: 'type-A', from_step: { id: 'A', type: 'type-A' }, to_step: { id: 'A', type: 'type-A' } },
    { count: 1, id: 'B', type: 'type-B', from_step: { id: 'B', type: 'type-B' }, to_step: { id: 'A', type: 'type-A' } },
  ]);
  assert.deepEqual(edges('targets'), [
    { count: 3, id: 'B', type: 'type-B', from_step: { id: 'A', type: 'type-A' }, to_step: { id: 'B', type: 'type-B' } },
    { count: 1, id: 'A', type: 'type-A', from_step: { id: 'A', type: 'type-A' }, to_step: { id: 'A', type: 'type-A' } },
    { count: 1, id: 'C', type: 'type-C', from_step: { id: 'A', type: 'type-A' }, to_step: { id: 'C', type: 'type-C' } },
  ]);
  const bTargets = getFlowStepEdges(m, { ...B, version: 'LIVE', step_id: 'B' }, { ...edgeQ, type: 'targets' }).edges;
  assert.deepEqual(bTargets, [
    {
      count: 3,
      id: 'DROPOFF',
      type: 'DROPOFF',
      from_step: { id: 'B', type: 'type-B' },
      to_step: { id: 'DROPOFF', type: 'DROPOFF' },
    },
    { count: 1, id: 'A', type: 'type-A', from_step: { id: 'B', type: 'type-B' }, to_step: { id: 'A', type: 'type-A' } },
  ]);
  // The published path takes the version from the query: the same answer.
  const v2 = getFlowStepEdges(m, { ...B, step_id: 'B' }, { ...edgeQ, version: 'LIVE', type: 'targets' }).edges;
  assert.deepEqual(v2, bTargets);
});

test('edges: the requested step seen with two types gives one edge per type, ordered last by it', () => {
  const ev = (ts: string, id: string, type: string) => ({
    type: 'step' as const,
    timestamp: ts,
    team_id: 't',
    bot_id: 'b',
    version: 'LIVE' as const,
    user_id: 'u',
    step_id: id,
    step_type: type,
  });
  const m2 = buildModel([
    ev('2026-11-02T10:00:00Z', 'X', 'x'),
    ev('2026-11-02T10:01:00Z', 'A', 'two'),
    ev('2026-11-02T10:02:00Z', 'X', 'x'),
    ev('2026-11-02T10:03:00Z', 'A', 'one'),
  ]);
  const q = { version: 'LIVE', start_time: '2026-11-02', end_time: '2026-11-03' };
  assert.deepEqual(getFlowStepEdges(m2, { bot_id: 'b', step_id: 'A' }, { ...q, type: 'sources' }).edges, [
    { count: 1, id: 'X', type: 'x', from_step: { id: 'X', type: 'x' }, to_step: { id: 'A', type: 'one' } },
    { count: 1, id: 'X', type: 'x', from_step: { id: 'X', type: 'x' }, to_step: { id: 'A', type: 'two' } },
  ]);
  assert.deepEqual(getFlowStepEdges(m2, { bot_id: 'b', step_id: 'A' }, { ...q, type: 'targets' }).edges, [
    {
      count: 1,
      id: 'DROPOFF',
      type: 'DROPOFF',
      from_step: { id: 'A', type: 'one' },
      to_step: { id: 'DROPOFF', type: 'DROPOFF' },
    },
    { count: 1, id: 'X', type: 'x', from_step: { id: 'A', type: 'two' }, to_step: { id: 'X', type: 'x' } },
  ]);
});

test('flows: steps are ordered by timestamp with ties by ingest order, not by arrival', () => {
  const m = buildModel([
    step('2026-11-02T10:05:00Z', 'LATE'),
    step('2026-11-02T10:00:00Z', 'X'),
    step('2026-11-02T10:00:00Z', 'Y'), // same time as X, ingested after: X→Y
  ]);
  assert.deepEqual(getFlows(m, B, { ...DAY, path: ['X'] }).nodes, [{ occurrences: 1, id: 'Y' }]);
  assert.deepEqual(getFlows(m, B, { ...DAY, path: ['X', 'Y'] }).nodes, [{ occurrences: 1, id: 'LATE' }]);
});

test('billable conversations: at least one user message, both versions, group_by labels', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z', { campaign_id: 'c1' }),
    msg('2026-11-02T10:00:00Z', { version: 'DRAFT', channel_type: 'web' }),
    msg('2026-11-02T10:00:00Z', { user_id: 'u2', direction: 'bot' }), // bot-only: not billable
    step('2026-11-02T23:59:00Z', 'A', { user_id: 'u3' }),
    msg('2026-11-03T00:05:00Z', { user_id: 'u3' }), // after end_time, same conversation: billable
    msg('2026-11-02T10:00:00Z', { team_id: 't2', bot_id: 'other' }),
  ]);
  const plain = getTeamConversationsUsage(m, T, { ...DAY, bucket: '1d' });
  assert.deepEqual(plain.data.series_labels, ['conversations']);
  assert.deepEqual(plain.data.series[0]?.values, [3]);
  const grouped = getTeamConversationsUsage(m, T, { ...DAY, group_by: 'bot_version,campaign_id,channel_type' });
  assert.deepEqual(grouped.data.series_labels, ['DRAFT||web', 'LIVE|c1|unknown', 'LIVE||unknown']);
  assert.deepEqual(
    grouped.data.series.map((s) => s.sum),
    [1, 1, 1],
  );
  assert.deepEqual(
    grouped.data.series.map((s) => s.labels),
    [
      { bot_version: 'DRAFT', campaign_id: '', channel_type: 'web' },
      { bot_version: 'LIVE', campaign_id: 'c1', channel_type: 'unknown' },
      { bot_version: 'LIVE', campaign_id: '', channel_type: 'unknown' },
    ],
  );
  assert.deepEqual(plain.data.series[0]?.labels, {});
  assert.deepEqual(getTeamConversationsUsage(m, { team_id: 'none' }, { ...DAY, group_by: 'bot_id' }).data.series, []);
});

test('team labels: tuples joining to one label take the smallest tuple', () => {
  const m = buildModel([
    msg('2026-11-02T10:00:00Z', { campaign_id: 'b', campaign_source: 'x|y' }),
    msg('2026-11-02T10:00:00Z', { user_id: 'u2', campaign_id: 'b|x', campaign_source: 'y' }),
  ]);
  const grouped = getTeamConversationsUsage(m, T, { ...DAY, group_by: 'campaign_id,campaign_source' });
  assert.deepEqual(grouped.data.series_labels, ['b|x|y']);
  assert.deepEqual(grouped.data.series[0]?.labels, { campaign_id: 'b', campaign_source: 'x|y' });
});

test('voice minutes: ceil per call, summed, both versions, language filter', () => {
  const call = (duration_seconds: number, p: Partial<RefEvent> = {}): RefEvent =>
    ev({ type: 'voice_call', timestamp: '2026-11-02T10:00:00Z', duration_seconds, user_id: undefined, ...p });
  const m = buildModel([call(0), call(1), call(60), call(61, { version: 'DRAFT' }), call(119.5, { language: 'nl' })]);
  const body = getVoiceAnalytics(m, T, DAY);
  assert.deepEqual(body.data.series_labels, ['voice_minutes']);
  assert.deepEqual(body.data.series[0]?.values, [0 + 1 + 1 + 2 + 2]);
  assert.equal(getVoiceAnalytics(m, T, { ...DAY, language: 'nl' }).data.series[0]?.sum, 2);
});

test('knowledge base: answered / unanswered with event filters', () => {
  const kb = (answered: boolean, p: Partial<RefEvent> = {}): RefEvent =>
    ev({ type: 'kb_query', timestamp: '2026-11-02T10:00:00Z', answered, user_id: undefined, ...p });
  const m = buildModel([kb(true), kb(true, { version: 'DRAFT' }), kb(false, { channel_type: 'web' })]);
  const body = getTeamKnowledgeBaseUsage(m, T, { ...DAY, bucket: '1d' });
  assert.deepEqual(body.data.series_labels, ['answered', 'unanswered']);
  assert.deepEqual(
    body.data.series.map((s) => s.values),
    [[2], [1]],
  );
  const web = getTeamKnowledgeBaseUsage(m, T, { ...DAY, bucket: '1d', channel_type: 'web' });
  assert.deepEqual(
    web.data.series.map((s) => s.sum),
    [0, 1],
  );
});

test('labels and ids order by code point (UTF-8 byte order), not UTF-16 units', () => {
  assert.equal(compareText('\u{1F600}', '\uFFFF'), 1); // '<' on UTF-16 would put the emoji first
  assert.equal(compareText('a', 'ab'), -1);
  assert.equal(compareText('B', 'a'), -1);
  assert.equal(compareText('x', 'x'), 0);
});

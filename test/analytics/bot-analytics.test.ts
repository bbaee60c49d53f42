import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

// Hand-checked examples and every bad-parameter answer of CONTRACT §3 for the bot
// analytics endpoints (issue 3). The property test compares against the reference.
let srv: TestServer;
let token: string;
const BOT = 'bot-a';

const base = { team_id: 'team-a', bot_id: BOT, version: 'LIVE', channel_type: 'web', language: 'en' };
const events = [
  {
    ...base,
    type: 'message',
    timestamp: '2026-11-02T09:00:00Z',
    user_id: 'u1',
    direction: 'user',
    kind: 'text',
    intent: 'greet',
  },
  { ...base, type: 'message', timestamp: '2026-11-02T09:00:05Z', user_id: 'u1', direction: 'bot' },
  {
    ...base,
    type: 'message',
    timestamp: '2026-11-02T09:00:20Z',
    user_id: 'u1',
    direction: 'user',
    kind: 'text',
    intent: null,
  },
  {
    ...base,
    type: 'message',
    timestamp: '2026-11-02T10:00:00Z',
    user_id: 'u2',
    direction: 'user',
    kind: 'button',
    language: 'nl',
  },
  {
    ...base,
    type: 'message',
    timestamp: '2026-11-03T10:00:00Z',
    user_id: 'u2',
    direction: 'user',
    kind: 'text',
    intent: 'greet',
  },
  {
    ...base,
    type: 'message',
    timestamp: '2026-11-03T11:00:00Z',
    user_id: 'u3',
    direction: 'user',
    kind: 'text',
    intent: 'bye',
    channel_type: 'whatsapp',
  },
];

// A value of OMIT drops the parameter (e.g. a required one).
const OMIT = '\u0000omit';
const url = (path: string, q: Record<string, string>) => {
  const all = { version: 'LIVE', start_time: '2026-11-02', end_time: '2026-11-05', ...q };
  const kept = Object.entries(all).filter(([, v]) => v !== OMIT);
  return `${srv.url}/v1/bots/${BOT}${path}?${new URLSearchParams(kept)}`;
};

before(async () => {
  srv = await startTestServer();
  token = await srv.token('team-a');
  const res = await ingest(srv.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});
after(async () => srv.close());

describe('bot analytics examples', () => {
  test('conversations per day and grouped by language', async () => {
    const r = await api(url('/conversations', { bucket: '1d' }), token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertMatchesSchema('Analytics_GetConversations', r.body);
    const body = r.body as { data: { series: { values: number[] }[]; x_values: string[] } };
    assert.deepEqual(body.data.series[0]?.values, [2, 2, 0]);
    assert.deepEqual(body.data.x_values, ['2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z']);
    const g = await api(url('/conversations', { bucket: '1d', group_by: 'language' }), token);
    assertMatchesSchema('Analytics_GetConversations', g.body);
    assert.deepEqual((g.body as { data: { series_labels: string[] } }).data.series_labels, ['en', 'nl']);
  });

  test('messages, users, activity, insights, intents', async () => {
    const m = await api(url('/messages', {}), token);
    assertMatchesSchema('Analytics_GetMessages', m.body);
    const ms = (m.body as { data: { series: { sum: number }[] } }).data.series.map((s) => s.sum);
    assert.deepEqual(ms, [3, 1, 1, 0]);
    const u = await api(url('/users', { bucket: '1d' }), token);
    assertMatchesSchema('Analytics_GetUsers', u.body);
    const us = (u.body as { data: { series: { values: number[] }[] } }).data.series.map((s) => s.values);
    assert.deepEqual(us, [
      [2, 2, 0],
      [2, 1, 0],
      [0, 1, 0],
    ]);
    const a = await api(url('/users/activity', { timezone: 'Europe/Brussels' }), token);
    assertMatchesSchema('Analytics_GetUserActivity', a.body);
    const ad = (a.body as { data: { series: { values: number[] }[]; series_labels: string[] } }).data;
    assert.equal(ad.series_labels[0], 'Monday');
    assert.equal(ad.series[0]?.values[10], 1); // u1 at 09:00Z = 10:00 Brussels, Monday
    const i = await api(url('/conversations/insights', { stat: 'num_messages' }), token);
    assertMatchesSchema('Analytics_GetConversationsInsights', i.body);
    const it = await api(url('/intents', { first: '1' }), token);
    assertMatchesSchema('Analytics_GetIntents', it.body);
    const ib = it.body as {
      data: { intent_id: string; count: number; rank: number }[];
      pagination: { end_cursor: string; has_more: boolean };
    };
    assert.deepEqual(ib.data, [{ intent_id: 'greet', count: 2, rank: 1 }]);
    assert.equal(ib.pagination.has_more, true);
    const next = await api(url('/intents', { first: '5', after: ib.pagination.end_cursor }), token);
    assert.deepEqual((next.body as { data: unknown[] }).data, [{ intent_id: 'bye', count: 1, rank: 2 }]);
    const ins = await api(url('/intents/insights', { bucket: '1d' }), token);
    assertMatchesSchema('Analytics_GetIntentInsights', ins.body);
  });
});

describe('intents pagination edges (CONTRACT §7)', () => {
  type Page = { data: { rank: number }[]; pagination: { start_cursor: string; end_cursor: string; has_more: boolean } };
  const page = async (q: Record<string, string>) => {
    const r = await api(url('/intents', q), token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertMatchesSchema('Analytics_GetIntents', r.body);
    return r.body as Page;
  };
  test('first above 100 is clamped, first=0 is an empty page with empty cursors', async () => {
    assert.deepEqual(
      (await page({ first: '1000' })).data.map((d) => d.rank),
      [1, 2],
    );
    const empty = await page({ first: '0' });
    assert.deepEqual(empty, { data: [], pagination: { start_cursor: '', end_cursor: '', has_more: true } });
  });
  test('before without last takes 10; last pages backward; a cursor past the end gives an empty page', async () => {
    const all = await page({});
    const back = await page({ before: all.pagination.end_cursor });
    assert.deepEqual(
      back.data.map((d) => d.rank),
      [1],
    );
    assert.equal(back.pagination.has_more, false);
    const last = await page({ last: '1' });
    assert.deepEqual(
      last.data.map((d) => d.rank),
      [2],
    );
    assert.equal(last.pagination.has_more, true);
    const beyond = await page({ after: Buffer.from('{"v":1,"rank":50}').toString('base64url') });
    assert.deepEqual(beyond, { data: [], pagination: { start_cursor: '', end_cursor: '', has_more: false } });
  });
  test('bucket is validated and otherwise ignored', async () => {
    assert.deepEqual(await page({ bucket: '1d' }), await page({}));
  });
});

describe('bad parameters answer 400 {code: 3} naming the parameter', () => {
  const cases: [string, string, Record<string, string>, string][] = [
    ['bad start_time', '/messages', { start_time: 'yesterday' }, 'start_time'],
    ['bad end_time', '/messages', { end_time: '2026-13-45' }, 'end_time'],
    ['end before start', '/users', { end_time: '2026-11-01' }, 'end_time'],
    ['end equal start', '/users', { end_time: '2026-11-02' }, 'end_time'],
    ['unknown bucket', '/conversations', { bucket: '5m' }, 'bucket'],
    ['month bucket on a bot endpoint', '/messages', { bucket: '1m' }, 'bucket'],
    ['bucket not shorter', '/users', { bucket: '1w', end_time: '2026-11-09' }, 'bucket'],
    ['over 10000 buckets', '/messages', { bucket: '1h', start_time: '2020-01-01', end_time: '2026-01-01' }, 'bucket'],
    ['bad version', '/conversations', { version: 'PROD' }, 'version'],
    ['bad group_by', '/conversations', { group_by: 'campaign_id' }, 'group_by'],
    ['bad stat', '/conversations/insights', { stat: 'median' }, 'stat'],
    ['missing stat', '/conversations/insights', { stat: OMIT }, 'stat'],
    ['malformed cursor', '/intents', { after: '!!!' }, 'after'],
    ['tampered cursor', '/intents', { before: Buffer.from('{"v":1,"rank":-3}').toString('base64url') }, 'before'],
    ['cursor of another shape', '/intents', { after: Buffer.from('{"v":2,"rank":3}').toString('base64url') }, 'after'],
    ['first and last', '/intents', { first: '2', last: '2' }, 'last'],
    ['negative first', '/intents', { first: '-1' }, 'first'],
    ['non-numeric first', '/intents', { first: 'ten' }, 'first'],
    ['unknown time zone', '/users/activity', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['bad bucket on intents', '/intents', { bucket: '2d' }, 'bucket'],
  ];
  for (const [name, path, q, param] of cases) {
    test(name, async () => {
      const r = await api(url(path, { stat: 'num_messages', ...q }), token);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      const body = r.body as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, new RegExp(`"${param}"`));
    });
  }
});

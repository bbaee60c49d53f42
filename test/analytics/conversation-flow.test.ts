/**
 * Analytics_GetConversationFlow on a hand-built conversation (CONTRACT-LIVE-API §4):
 * exact answers worked out by hand, message_id windows, 404s, bad input → 400 naming the
 * parameter, and another team's bot → 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let token: string;
let otherToken: string;
const BOT = 'cfbot';
const RANGE = 'version=LIVE&start_time=2026-10-05&end_time=2026-10-06';

const base = { team_id: 't1', bot_id: BOT, version: 'LIVE', user_id: 'u1', conversation_id: 'c1', channel_type: 'web' };
const at = (t: string) => `2026-10-05T${t}Z`;
const step = (id: string, t: string, step_id: string, step_type: string) => ({
  ...base,
  id,
  type: 'step',
  timestamp: at(t),
  step_id,
  step_type,
});
const msg = (id: string, t: string, direction: 'user' | 'bot') => ({
  ...base,
  id,
  type: 'message',
  timestamp: at(t),
  direction,
  ...(direction === 'user' ? { kind: 'text', intent: 'hi' } : {}),
});

async function get(path: string, tok = token) {
  return api(`${server.url}${path}`, tok);
}

before(async () => {
  server = await startTestServer();
  token = await server.token('t1');
  otherToken = await server.token('t2');
  // Posted out of order on purpose: the flow order is (timestamp, ingest order).
  const events = [
    step('s3', '10:02:00', 'C', 'action'),
    msg('m1', '10:00:00', 'user'),
    step('s1', '10:00:00', 'A', 'bot_dialog'), // same time as m1, ingested after it: after m1
    msg('b1', '10:00:30', 'bot'),
    step('s2', '10:01:00', 'B', 'input_validation'),
    msg('m2', '10:01:30', 'user'),
    { ...base, id: 't9', type: 'tracking', timestamp: at('10:05:00'), event: 'bought', attributes: {} },
    // Another conversation with the same id on DRAFT (ids are scoped to bot+version).
    { ...step('d1', '10:00:00', 'X', 'action'), version: 'DRAFT' },
    // A conversation without steps.
    { ...msg('n1', '12:00:00', 'user'), conversation_id: 'c2', user_id: 'u2' },
  ];
  const res = await ingest(server.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const other = await ingest(server.url, otherToken, [
    { ...base, team_id: 't2', bot_id: 'cfother', id: 'o1', type: 'step', timestamp: at('10:00:00'), step_id: 'A' },
  ]);
  assert.equal(other.status, 200, JSON.stringify(other.body));
});

after(async () => {
  await server.close();
});

const A = { id: 'A', type: 'bot_dialog' };
const B = { id: 'B', type: 'input_validation' };
const C = { id: 'C', type: 'action' };
const NONE = { id: '', type: '' };
const DROPOFF = { id: 'DROPOFF', type: 'DROPOFF' };
const whole = [
  { id: 's1', from_step: NONE, to_step: A, depth: 1, timestamp: '2026-10-05T10:00:00.000Z' },
  { id: 's2', from_step: A, to_step: B, depth: 2, timestamp: '2026-10-05T10:01:00.000Z' },
  { id: 's3', from_step: B, to_step: C, depth: 3, timestamp: '2026-10-05T10:02:00.000Z' },
  // The last event is the tracking event at 10:05.
  { id: '', from_step: C, to_step: DROPOFF, depth: 4, timestamp: '2026-10-05T10:05:00.000Z' },
];

describe('conversation flow', () => {
  test('whole flow: steps in order, then DROPOFF at the last event', async () => {
    const res = await get(`/v1/bots/${BOT}/conversations/c1/flow?${RANGE}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetConversationFlow', res.body);
    assert.deepEqual(res.body, { bot_id: BOT, conversation_id: 'c1', user_id: 'u1', transitions: whole });
  });

  test('a range that only holds the tracking event still finds the conversation', async () => {
    const res = await get(
      `/v1/bots/${BOT}/conversations/c1/flow?version=LIVE&start_time=2026-10-05T10:04:00Z&end_time=2026-10-05T10:06:00Z`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body as { transitions: unknown }).transitions, whole);
  });

  test('message_id: the steps between that user message and the next one, no DROPOFF', async () => {
    const first = await get(`/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=m1`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual((first.body as { transitions: unknown }).transitions, whole.slice(0, 2));
    const second = await get(`/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=m2`);
    assert.deepEqual((second.body as { transitions: unknown }).transitions, [whole[2]]);
    const empty = await get(`/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=`);
    assert.deepEqual((empty.body as { transitions: unknown }).transitions, whole);
  });

  test('the same id on DRAFT is another conversation', async () => {
    const res = await get(
      `/v1/bots/${BOT}/conversations/c1/flow?version=DRAFT&start_time=2026-10-05&end_time=2026-10-06`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body as { transitions: unknown }).transitions, [
      {
        id: 'd1',
        from_step: NONE,
        to_step: { id: 'X', type: 'action' },
        depth: 1,
        timestamp: '2026-10-05T10:00:00.000Z',
      },
      {
        id: '',
        from_step: { id: 'X', type: 'action' },
        to_step: DROPOFF,
        depth: 2,
        timestamp: '2026-10-05T10:00:00.000Z',
      },
    ]);
  });

  test('a conversation without steps has no transitions', async () => {
    const res = await get(`/v1/bots/${BOT}/conversations/c2/flow?${RANGE}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { bot_id: BOT, conversation_id: 'c2', user_id: 'u2', transitions: [] });
  });

  const notFound: [string, string][] = [
    ['unknown conversation', `/v1/bots/${BOT}/conversations/nope/flow?${RANGE}`],
    [
      'no event in range',
      `/v1/bots/${BOT}/conversations/c1/flow?version=LIVE&start_time=2026-10-06&end_time=2026-10-07`,
    ],
    [
      'range ends at the first event',
      `/v1/bots/${BOT}/conversations/c1/flow?version=LIVE&start_time=2026-10-04&end_time=2026-10-05T10:00:00Z`,
    ],
    ['bot message id', `/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=b1`],
    ['step event id', `/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=s1`],
    ["another conversation's message", `/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&message_id=n1`],
    ["another team's bot", `/v1/bots/cfother/conversations/c1/flow?${RANGE}`],
    ['unknown bot', `/v1/bots/nobot/conversations/c1/flow?${RANGE}`],
  ];
  for (const [name, url] of notFound) {
    test(`404: ${name}`, async () => {
      const res = await get(url);
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal((res.body as { code: number }).code, 5);
    });
  }

  const bad: [string, string][] = [
    [`/v1/bots/${BOT}/conversations/c1/flow?start_time=2026-10-05&end_time=2026-10-06`, 'version'],
    [`/v1/bots/${BOT}/conversations/c1/flow?version=BETA&start_time=2026-10-05&end_time=2026-10-06`, 'version'],
    [`/v1/bots/${BOT}/conversations/c1/flow?version=LIVE&end_time=2026-10-06`, 'start_time'],
    [`/v1/bots/${BOT}/conversations/c1/flow?version=LIVE&start_time=2026-10-06&end_time=2026-10-05`, 'end_time'],
    [`/v1/bots/${BOT}/conversations/c1/flow?${RANGE}&timezone=Mars/Base`, 'timezone'],
  ];
  for (const [url, param] of bad) {
    test(`400 names ${param}: ${url.slice(url.indexOf('?') + 1)}`, async () => {
      const res = await get(url);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const body = res.body as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, new RegExp(`\\b${param}\\b`));
    });
  }
});

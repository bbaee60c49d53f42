/**
 * Flow endpoints on a small hand-built data set: exact answers, schema
 * conformance, both `path` spellings, and bad input → 400 {code: 3} naming the
 * parameter (CONTRACT §3, §4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let token: string;
let otherTeamToken: string;
const BOT = 'flowbot';
const RANGE = 'version=LIVE&start_time=2026-10-05&end_time=2026-10-06';

function step(user: string, at: string, id: string, type = 'bot_dialog', extra: object = {}) {
  return {
    type: 'step',
    // `at` is a time on 2026-10-05 (UTC) or a full RFC 3339 timestamp.
    timestamp: at.includes('T') ? at : `2026-10-05T${at}Z`,
    team_id: 't1',
    bot_id: BOT,
    version: 'LIVE',
    user_id: user,
    channel_type: 'web',
    language: 'en',
    step_id: id,
    step_type: type,
    ...extra,
  };
}

async function get(path: string) {
  return api(`${server.url}${path}`, token);
}

before(async () => {
  server = await startTestServer();
  token = await server.token('t1');
  otherTeamToken = await server.token('t2');
  const events = [
    // u1: A → B → A → C (cycle), then DROPOFF
    step('u1', '10:00:00', 'A'),
    step('u1', '10:01:00', 'B', 'action'),
    step('u1', '10:02:00', 'A'),
    step('u1', '10:03:00', 'C'),
    // u2: A → A (self-loop); equal timestamps keep ingest order
    step('u2', '11:00:00', 'A'),
    step('u2', '11:00:00', 'A'),
    // u2 again after a 15-minute gap: new conversation B (whatsapp/nl counted by its first event)
    step('u2', '11:15:00', 'B', 'action'),
    // u3: only a message, no steps: not in flows
    {
      type: 'message',
      timestamp: '2026-10-05T12:00:00Z',
      team_id: 't1',
      bot_id: BOT,
      version: 'LIVE',
      user_id: 'u3',
      direction: 'user',
      kind: 'text',
      intent: null,
    },
    // u4 on whatsapp / nl: A only
    step('u4', '13:00:00', 'A', 'bot_dialog', { channel_type: 'whatsapp', language: 'nl' }),
    // u5 started before the range: never counted, even for its step inside the range
    step('u5', '2026-10-04T23:59:00Z', 'A'),
    step('u5', '2026-10-05T00:05:00Z', 'B'),
  ];
  const res = await ingest(server.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

after(async () => {
  await server.close();
});

describe('Analytics_GetFlows', () => {
  test('first steps without a path', async () => {
    const res = await get(`/v1/bots/${BOT}/flows?${RANGE}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetFlows', res.body);
    assert.deepEqual(res.body, {
      nodes: [
        { occurrences: 3, id: 'A' },
        { occurrences: 1, id: 'B' },
      ],
    });
  });

  test('path explorer with DROPOFF, both path spellings', async () => {
    const a = await get(`/v1/bots/${BOT}/flows?${RANGE}&path=A`);
    assert.deepEqual(a.body, {
      nodes: [
        { occurrences: 1, id: 'A' },
        { occurrences: 1, id: 'B' },
        { occurrences: 1, id: 'DROPOFF' },
      ],
    });
    const ab1 = await get(`/v1/bots/${BOT}/flows?${RANGE}&path=A&path=B&path=A`);
    const ab2 = await get(`/v1/bots/${BOT}/flows?${RANGE}&path[0]=A&path[1]=B&path[2]=A`);
    assertMatchesSchema('Analytics_GetFlows', ab1.body);
    assert.deepEqual(ab1.body, { nodes: [{ occurrences: 1, id: 'C' }] });
    assert.deepEqual(ab2.body, ab1.body);
    const end = await get(`/v1/bots/${BOT}/flows?${RANGE}&path=A&path=B&path=A&path=C`);
    assert.deepEqual(end.body, { nodes: [{ occurrences: 1, id: 'DROPOFF' }] });
  });

  test('filters on the conversation first event', async () => {
    const res = await get(`/v1/bots/${BOT}/flows?${RANGE}&channel_type=whatsapp&language=nl,fr`);
    assert.deepEqual(res.body, { nodes: [{ occurrences: 1, id: 'A' }] });
  });

  test('unknown path answers an empty list', async () => {
    const res = await get(`/v1/bots/${BOT}/flows?${RANGE}&path=nope`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { nodes: [] });
  });

  test('timezone moves a date-only range', async () => {
    // In Pacific/Kiritimati (+14) the 2026-10-05 local day is 2026-10-04T10:00Z..2026-10-05T10:00Z:
    // u5 (started 23:59Z on the 4th) and u1 (10:00Z on the 5th, excluded) swap roles.
    const res = await get(`/v1/bots/${BOT}/flows?${RANGE}&timezone=Pacific/Kiritimati`);
    assert.deepEqual(res.body, { nodes: [{ occurrences: 1, id: 'A' }] });
  });
});

describe('Analytics_GetFlowStepDetails', () => {
  test('counts runs, conversations and drop-offs', async () => {
    const res = await get(`/v1/bots/${BOT}/flows/A?${RANGE}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetFlowStepDetails', res.body);
    assert.deepEqual(res.body, { message_count: 5, drop_off_count: 2, conversation_count: 3 });
  });

  test('unknown step answers zeros', async () => {
    const res = await get(`/v1/bots/${BOT}/flows/nope?${RANGE}`);
    assert.deepEqual(res.body, { message_count: 0, drop_off_count: 0, conversation_count: 0 });
  });
});

describe('Analytics_GetFlowStepEdges', () => {
  test('targets with DROPOFF, neighbour types, count desc then id', async () => {
    const res = await get(`/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=targets`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetFlowStepEdges', res.body);
    assert.deepEqual(res.body, {
      edges: [
        {
          count: 2,
          id: 'DROPOFF',
          type: 'DROPOFF',
          from_step: { id: 'A', type: 'bot_dialog' },
          to_step: { id: 'DROPOFF', type: 'DROPOFF' },
        },
        {
          count: 1,
          id: 'A',
          type: 'bot_dialog',
          from_step: { id: 'A', type: 'bot_dialog' },
          to_step: { id: 'A', type: 'bot_dialog' },
        },
        {
          count: 1,
          id: 'B',
          type: 'action',
          from_step: { id: 'A', type: 'bot_dialog' },
          to_step: { id: 'B', type: 'action' },
        },
        {
          count: 1,
          id: 'C',
          type: 'bot_dialog',
          from_step: { id: 'A', type: 'bot_dialog' },
          to_step: { id: 'C', type: 'bot_dialog' },
        },
      ],
    });
  });

  test('the published path (version in the query) answers the same', async () => {
    for (const type of ['sources', 'targets']) {
      const seed = await get(
        `/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=${type}`,
      );
      const v2 = await get(`/v1/bots/${BOT}/flows/A/edges?${RANGE}&type=${type}`);
      assert.equal(v2.status, 200, JSON.stringify(v2.body));
      assertMatchesSchema('Analytics_GetFlowStepEdgesV2', v2.body);
      assert.deepEqual(v2.body, seed.body);
    }
    const other = await api(`${server.url}/v1/bots/${BOT}/flows/A/edges?${RANGE}&type=sources`, otherTeamToken);
    assert.equal(other.status, 404, JSON.stringify(other.body));
    assert.equal((other.body as { code: number }).code, 5);
  });

  test('sources', async () => {
    const res = await get(`/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=sources`);
    assert.deepEqual(res.body, {
      edges: [
        {
          count: 1,
          id: 'A',
          type: 'bot_dialog',
          from_step: { id: 'A', type: 'bot_dialog' },
          to_step: { id: 'A', type: 'bot_dialog' },
        },
        {
          count: 1,
          id: 'B',
          type: 'action',
          from_step: { id: 'B', type: 'action' },
          to_step: { id: 'A', type: 'bot_dialog' },
        },
      ],
    });
  });

  test('other version and unknown step answer empty lists', async () => {
    const draft = await get(
      `/v1/bots/${BOT}/DRAFT/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=sources`,
    );
    assert.deepEqual(draft.body, { edges: [] });
    const unknown = await get(
      `/v1/bots/${BOT}/LIVE/flows/zz/edges?start_time=2026-10-05&end_time=2026-10-06&type=targets`,
    );
    assert.deepEqual(unknown.body, { edges: [] });
  });
});

describe('bad input answers 400 {code: 3} naming the parameter', () => {
  const longPath = Array.from({ length: 51 }, (_, i) => `path=s${i}`).join('&');
  const cases: Array<[string, string]> = [
    [`/v1/bots/${BOT}/flows?${RANGE}&path=A&path=`, 'path'],
    [`/v1/bots/${BOT}/flows?${RANGE}&path[0]=A&path[1]=`, 'path'],
    [`/v1/bots/${BOT}/flows?${RANGE}&${longPath}`, 'path'],
    [`/v1/bots/${BOT}/flows?version=LIVE&start_time=yesterday&end_time=2026-10-06`, 'start_time'],
    [`/v1/bots/${BOT}/flows?version=LIVE&start_time=2026-10-06&end_time=2026-10-05`, 'end_time'],
    [`/v1/bots/${BOT}/flows?version=BETA&start_time=2026-10-05&end_time=2026-10-06`, 'version'],
    [`/v1/bots/${BOT}/flows?${RANGE}&timezone=Mars/Base`, 'timezone'],
    [`/v1/bots/${BOT}/flows/A?version=LIVE&start_time=2026-10-05`, 'end_time'],
    [`/v1/bots/${BOT}/flows/A?version=live&start_time=2026-10-05&end_time=2026-10-06`, 'version'],
    [`/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=both`, 'type'],
    [`/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06`, 'type'],
    [`/v1/bots/${BOT}/BETA/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=sources`, 'version'],
    [`/v1/bots/${BOT}/LIVE/flows/A/edges?start_time=2026-13-05&end_time=2026-10-06&type=sources`, 'start_time'],
    [`/v1/bots/${BOT}/flows/A/edges?start_time=2026-10-05&end_time=2026-10-06&type=sources`, 'version'],
    [`/v1/bots/${BOT}/flows/A/edges?version=BETA&start_time=2026-10-05&end_time=2026-10-06&type=sources`, 'version'],
    [`/v1/bots/${BOT}/flows/A/edges?${RANGE}&type=both`, 'type'],
    [`/v1/bots/${BOT}/flows/A/edges?${RANGE}`, 'type'],
    [`/v1/bots/${BOT}/flows/A/edges?version=LIVE&start_time=2026-10-05&type=targets`, 'end_time'],
  ];
  for (const [url, param] of cases) {
    test(`${param}: ${url.slice(url.indexOf('?') + 1, url.indexOf('?') + 60)}`, async () => {
      const res = await get(url);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const body = res.body as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, new RegExp(`\\b${param}\\b`));
    });
  }

  test('a path of exactly 50 steps is accepted', async () => {
    const path50 = Array.from({ length: 50 }, (_, i) => `path=s${i}`).join('&');
    const res = await get(`/v1/bots/${BOT}/flows?${RANGE}&${path50}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
});

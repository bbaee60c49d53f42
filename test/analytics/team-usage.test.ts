/**
 * Team usage endpoints over HTTP on hand-computed data: schema, tenancy, bad input,
 * and the counting rules of CONTRACT §2/§7 (billable, voice rounding, knowledge base).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let token: string;
const TEAM = 'team-a';

interface SeriesBody {
  data: { series: { values: number[]; sum: number }[]; series_labels: string[]; x_values: string[] };
}

async function get(path: string, params: Record<string, string>, tok = token) {
  const qs = new URLSearchParams(params).toString();
  return api(`${server.url}${path}?${qs}`, tok);
}

async function ok(opId: string, path: string, params: Record<string, string>): Promise<SeriesBody> {
  const res = await get(path, params);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertMatchesSchema(opId, res.body);
  return res.body as SeriesBody;
}

const base = { team_id: TEAM, version: 'LIVE' as const };
const userMsg = (bot: string, ts: string, extra: object = {}) => ({
  ...base,
  type: 'message',
  bot_id: bot,
  timestamp: ts,
  user_id: 'u1',
  direction: 'user',
  kind: 'text',
  intent: null,
  ...extra,
});

const CONV = '/v1/teams/team-a/conversations';
const VOICE = '/v1/teams/team-a/voice_minutes';
const KB = '/v1beta1/teams/team-a/knowledge_base';
const DAYS = { start_time: '2025-11-02', end_time: '2025-11-05' };

before(async () => {
  server = await startTestServer();
  token = await server.token(TEAM);
  const events = [
    // b1 LIVE: billable, web, campaign c1/s1.
    userMsg('b1', '2025-11-02T10:00:00Z', { channel_type: 'web', campaign_id: 'c1', campaign_source: 's1' }),
    // b1 DRAFT: billable (both versions count), no campaign.
    userMsg('b1', '2025-11-02T11:00:00Z', { version: 'DRAFT', channel_type: 'web' }),
    // b2: a bot-only conversation is not billable.
    {
      ...userMsg('b2', '2025-11-03T09:00:00Z', { user_id: 'u2' }),
      direction: 'bot',
      kind: undefined,
      intent: undefined,
    },
    // b2: starts with a step in range, the user message comes after end_time: billable.
    { ...base, type: 'step', bot_id: 'b2', timestamp: '2025-11-04T23:59:00Z', user_id: 'u3', step_id: 's' },
    userMsg('b2', '2025-11-05T00:01:00Z', { user_id: 'u3' }),
    // Outside the range.
    userMsg('b2', '2025-11-05T10:00:00Z', { user_id: 'u4' }),
    // Voice: 0 s → 0, 60 s → 1, 61 s → 2, 120 s → 2 (one nl call).
    ...[0, 60, 61, 120].map((d, i) => ({
      ...base,
      type: 'voice_call',
      bot_id: 'b1',
      timestamp: `2025-11-02T1${i}:00:00Z`,
      duration_seconds: d,
      language: i === 3 ? 'nl' : 'en',
      version: i === 2 ? 'DRAFT' : 'LIVE',
    })),
    // Knowledge base.
    { ...base, type: 'kb_query', bot_id: 'b1', timestamp: '2025-11-02T10:00:00Z', answered: true, channel_type: 'web' },
    { ...base, type: 'kb_query', bot_id: 'b2', timestamp: '2025-11-03T10:00:00Z', answered: false, version: 'DRAFT' },
    { ...base, type: 'kb_query', bot_id: 'b2', timestamp: '2025-11-03T11:00:00Z', answered: true },
  ].map((e) => JSON.parse(JSON.stringify(e)) as object);
  const res = await ingest(server.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

after(async () => {
  await server.close();
});

describe('billable conversations', () => {
  test('no group_by: one series `conversations`, both versions, user message after end_time counts', async () => {
    const body = await ok('Analytics_GetTeamConversationsUsage', CONV, { ...DAYS, bucket: '1d' });
    assert.deepEqual(body.data.series_labels, ['conversations']);
    assert.deepEqual(body.data.x_values, ['2025-11-02T00:00:00Z', '2025-11-03T00:00:00Z', '2025-11-04T00:00:00Z']);
    assert.deepEqual(body.data.series[0]?.values, [2, 0, 1]);
  });

  test('group_by labels join values with | in group_by order; missing campaign groups as empty', async () => {
    const body = await ok('Analytics_GetTeamConversationsUsage', CONV, {
      ...DAYS,
      group_by: 'campaign_id,bot_version, bot_id',
    });
    assert.deepEqual(
      body.data.series_labels,
      ['c1|LIVE|b1', '|DRAFT|b1', '|LIVE|b2'] /* equal sums: label ascending, 'c' < '|' */,
    );
    assert.deepEqual(
      body.data.series.map((s) => s.sum),
      [1, 1, 1],
    );
    assert.deepEqual(body.data.x_values, ['2025-11-02T00:00:00Z']);
  });

  test('1m buckets are calendar months in the request time zone', async () => {
    const body = await ok('Analytics_GetTeamConversationsUsage', CONV, {
      start_time: '2025-10-01',
      end_time: '2025-12-01',
      bucket: '1m',
      timezone: 'Europe/Brussels',
    });
    assert.deepEqual(body.data.x_values, ['2025-10-01T00:00:00+02:00', '2025-11-01T00:00:00+01:00']);
    assert.deepEqual(body.data.series[0]?.values, [0, 4]);
  });

  test('a conversation that began before start_time is not counted, even when its rows are split', async () => {
    // Two requests = two insert blocks = two partial rows of the same conversation.
    const early = userMsg('b3', '2025-12-01T09:55:00Z', { user_id: 'split' });
    const later = userMsg('b3', '2025-12-01T10:05:00Z', { user_id: 'split' });
    assert.equal((await ingest(server.url, token, [early])).status, 200);
    assert.equal((await ingest(server.url, token, [later])).status, 200);
    const inRange = await ok('Analytics_GetTeamConversationsUsage', CONV, {
      start_time: '2025-12-01T10:00:00Z',
      end_time: '2025-12-02T00:00:00Z',
    });
    assert.deepEqual(inRange.data.series[0]?.values, [0]);
    const whole = await ok('Analytics_GetTeamConversationsUsage', CONV, {
      start_time: '2025-12-01T09:00:00Z',
      end_time: '2025-12-02T00:00:00Z',
    });
    assert.deepEqual(whole.data.series[0]?.values, [1]);
  });
});

describe('voice minutes', () => {
  test('ceil per call, summed over both versions; language filter', async () => {
    const body = await ok('Analytics_GetVoiceAnalytics', VOICE, DAYS);
    assert.deepEqual(body.data.series_labels, ['voice_minutes']);
    assert.deepEqual(body.data.series[0]?.values, [5]);
    const nl = await ok('Analytics_GetVoiceAnalytics', VOICE, { ...DAYS, language: 'nl,xx' });
    assert.deepEqual(nl.data.series[0]?.values, [2]);
    const hourly = await ok('Analytics_GetVoiceAnalytics', VOICE, {
      start_time: '2025-11-02T10:00:00Z',
      end_time: '2025-11-02T14:00:00Z',
      bucket: '1h',
    });
    assert.deepEqual(hourly.data.series[0]?.values, [0, 1, 2, 2]);
  });
});

describe('knowledge base', () => {
  test('answered / unanswered, both versions, channel filter', async () => {
    const body = await ok('Analytics_GetTeamKnowledgeBaseUsage', KB, { ...DAYS, bucket: '1d' });
    assert.deepEqual(body.data.series_labels, ['answered', 'unanswered']);
    assert.deepEqual(
      body.data.series.map((s) => s.values),
      [
        [1, 1, 0],
        [0, 1, 0],
      ],
    );
    const web = await ok('Analytics_GetTeamKnowledgeBaseUsage', KB, { ...DAYS, bucket: '1d', channel_type: 'web' });
    assert.deepEqual(
      web.data.series.map((s) => s.sum),
      [1, 0],
    );
  });
});

describe('errors', () => {
  const bad: [string, string, Record<string, string>, string][] = [
    ['group_by unknown', CONV, { ...DAYS, group_by: 'bot_id,intent' }, 'group_by'],
    ['group_by repeated', CONV, { ...DAYS, group_by: 'bot_id,language,bot_id' }, 'group_by'],
    ['1h on team conversations', CONV, { ...DAYS, bucket: '1h' }, 'bucket'],
    ['1m on voice minutes', VOICE, { start_time: '2025-01-01', end_time: '2025-06-01', bucket: '1m' }, 'bucket'],
    ['1h on knowledge base', KB, { ...DAYS, bucket: '1h' }, 'bucket'],
    ['missing bucket on knowledge base', KB, DAYS, 'bucket'],
    [
      'bucket not shorter than the range',
      CONV,
      { start_time: '2025-11-01', end_time: '2025-11-02', bucket: '1d' },
      'bucket',
    ],
    ['bad start_time', CONV, { start_time: '2025-13-01', end_time: '2025-11-05' }, 'start_time'],
    ['end before start', VOICE, { start_time: '2025-11-05', end_time: '2025-11-01' }, 'end_time'],
    ['missing end_time', KB, { start_time: '2025-11-05', bucket: '1d' }, 'end_time'],
    ['bad timezone', CONV, { ...DAYS, timezone: 'Mars/Olympus' }, 'timezone'],
  ];
  for (const [name, path, params, param] of bad) {
    test(`${name} → 400 {code: 3} naming ${param}`, async () => {
      const res = await get(path, params);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const body = res.body as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, new RegExp(param));
    });
  }

  test("another team's id → 404 {code: 5} on all three", async () => {
    await server.token('team-b'); // team-b exists, but the token is team-a's
    for (const path of [CONV, VOICE, KB]) {
      const res = await get(path.replace('team-a', 'team-b'), { ...DAYS, bucket: '1d' });
      assert.equal(res.status, 404, path);
      assert.equal((res.body as { code: number }).code, 5);
    }
  });

  test('a team with no data answers zeros', async () => {
    const other = await server.token('team-empty');
    const res = await get('/v1/teams/team-empty/conversations', { ...DAYS, group_by: 'bot_id' }, other);
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_GetTeamConversationsUsage', res.body);
    assert.deepEqual((res.body as SeriesBody).data.series, []);
    const voice = await get('/v1/teams/team-empty/voice_minutes', DAYS, other);
    assert.deepEqual((voice.body as SeriesBody).data.series[0]?.values, [0]);
  });
});

/**
 * Knowledge base per bot and tags (CONTRACT-LIVE-API §5) through HTTP: a hand-computed
 * example, bad tags at ingest (400 naming index and field, nothing stored), bad
 * parameters (400 naming the parameter), tenancy (another team's bot or team → 404).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Envelope } from '../helpers/envelope.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let token: string;
let otherToken: string;
const team = 'team-kb';

before(async () => {
  srv = await startTestServer();
  token = await srv.token(team);
  otherToken = await srv.token('team-kb-other');
});
after(async () => {
  await srv?.close();
});

const kb = (bot: string, timestamp: string, answered: boolean, extra: Record<string, unknown> = {}) => ({
  type: 'kb_query',
  team_id: team,
  bot_id: bot,
  version: 'LIVE',
  timestamp,
  answered,
  ...extra,
});

async function count(bot: string): Promise<number> {
  const rs = await srv.services.ch.query({
    query: 'SELECT count() AS n FROM events WHERE bot_id = {b:String}',
    query_params: { b: bot },
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
}

const get = (path: string, t = token) => api(`${srv.url}${path}`, t);
const RANGE = 'version=LIVE&start_time=2026-11-02T00:00:00Z&end_time=2026-11-04T00:00:00Z';

describe('knowledge base endpoints', () => {
  before(async () => {
    const res = await ingest(srv.url, token, [
      kb('kb1', '2026-11-02T10:00:00Z', true, { tags: ['b', 'b', 'a'] }),
      kb('kb1', '2026-11-02T11:00:00Z', false, { tags: ['a', 'z'], channel_type: 'web' }),
      kb('kb1', '2026-11-03T12:00:00Z', true, { tags: ['\u{1F600}', '\uFF21'], language: 'nl' }),
      kb('kb1', '2026-11-04T00:00:00Z', true, { tags: ['late'] }), // end_time is exclusive
      kb('kb1', '2026-11-02T10:00:00Z', true, { tags: ['draft'], version: 'DRAFT' }),
      kb('kb1', '2026-11-02T12:00:00Z', false), // no tags
      kb('kb1', '2026-11-02T13:00:00Z', false, { tags: null }), // null = no tags
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  test('usage: answered/unanswered per day, and one bucket without bucket', async () => {
    const res = await get(`/v1/bots/kb1/knowledge_base?${RANGE}&bucket=1d`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetKnowledgeBaseUsage', res.body);
    const data = (res.body as { data: { series: { values: number[] }[]; series_labels: string[]; x_values: string[] } })
      .data;
    assert.deepEqual(data.series_labels, ['answered', 'unanswered']);
    assert.deepEqual(data.x_values, ['2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z']);
    assert.deepEqual(
      data.series.map((s) => s.values),
      [
        [1, 1],
        [3, 0],
      ],
    );
    const whole = await get(`/v1/bots/kb1/knowledge_base?${RANGE}&channel_type=web,unknown`);
    assert.equal(whole.status, 200, JSON.stringify(whole.body));
    const w = (whole.body as { data: { series: { values: number[] }[]; x_values: string[] } }).data;
    assert.deepEqual(w.x_values, ['2026-11-02T00:00:00Z']);
    assert.deepEqual(
      w.series.map((s) => s.values),
      [[2], [3]],
    );
  });

  test('tags: repeats count once, count desc then code point, ranks; filters', async () => {
    const res = await get(`/v1/bots/kb1/knowledge_base/tags?${RANGE}&bucket=1d`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_GetKnowledgeBaseTagsInsights', res.body);
    assert.deepEqual(res.body, {
      data: [
        { tag: 'a', count: 2, rank: 1 },
        { tag: 'b', count: 1, rank: 2 },
        { tag: 'z', count: 1, rank: 3 },
        { tag: '\uFF21', count: 1, rank: 4 },
        { tag: '\u{1F600}', count: 1, rank: 5 },
      ],
    });
    const nl = await get(`/v1/bots/kb1/knowledge_base/tags?${RANGE}&language=nl`);
    assert.deepEqual(nl.body, {
      data: [
        { tag: '\uFF21', count: 1, rank: 1 },
        { tag: '\u{1F600}', count: 1, rank: 2 },
      ],
    });
    const draft = await get('/v1/bots/kb1/knowledge_base/tags?version=DRAFT&start_time=2026-11-02&end_time=2026-11-03');
    assert.deepEqual(draft.body, { data: [{ tag: 'draft', count: 1, rank: 1 }] });
    const none = await get('/v1/bots/kb1/knowledge_base/tags?version=LIVE&start_time=2026-10-01&end_time=2026-10-02');
    assert.deepEqual(none.body, { data: [] });
  });

  test('tags: an undeclared bucket is ignored; tags are kept exactly (case, spaces)', async () => {
    const plain = await get(`/v1/bots/kb1/knowledge_base/tags?${RANGE}`);
    for (const bucket of ['1h', 'nonsense', '1m']) {
      const res = await get(`/v1/bots/kb1/knowledge_base/tags?${RANGE}&bucket=${bucket}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, plain.body);
    }
    const raw = await ingest(srv.url, token, [
      kb('kb-exact', '2026-11-02T10:00:00Z', true, { tags: ['FAQ', 'faq', ' faq'] }),
    ]);
    assert.equal(raw.status, 200);
    const exact = await get(`/v1/bots/kb-exact/knowledge_base/tags?${RANGE}`);
    assert.deepEqual(exact.body, {
      data: [
        { tag: ' faq', count: 1, rank: 1 },
        { tag: 'FAQ', count: 1, rank: 2 },
        { tag: 'faq', count: 1, rank: 3 },
      ],
    });
  });

  test('tags: at most 100', async () => {
    const events = Array.from({ length: 120 }, (_, i) =>
      kb('kb-many', '2026-11-02T10:00:00Z', true, { tags: [`t${String(i).padStart(3, '0')}`] }),
    );
    events.push(kb('kb-many', '2026-11-02T11:00:00Z', true, { tags: ['t119'] }));
    assert.equal((await ingest(srv.url, token, events)).status, 200);
    const res = await get(`/v1/bots/kb-many/knowledge_base/tags?${RANGE}`);
    const data = (res.body as { data: { tag: string; count: number; rank: number }[] }).data;
    assert.equal(data.length, 100);
    assert.deepEqual(data[0], { tag: 't119', count: 2, rank: 1 });
    assert.deepEqual(data[99], { tag: 't098', count: 1, rank: 100 });
  });

  test('v1 team path answers exactly what the v1beta1 path answers', async () => {
    const q = 'start_time=2026-11-01&end_time=2026-11-10&bucket=1d&language=unknown';
    const v1 = await get(`/v1/teams/${team}/knowledge_base?${q}`);
    const beta = await get(`/v1beta1/teams/${team}/knowledge_base?${q}`);
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assertMatchesSchema('Analytics_GetTeamKnowledgeBaseUsageV1', v1.body);
    assert.deepEqual(v1.body, beta.body);
    const sums = (v1.body as { data: { series: { sum: number }[] } }).data.series.map((s) => s.sum);
    // kb1 (language unknown, LIVE and DRAFT, the 11-04 one included here), kb-exact and kb-many.
    assert.deepEqual(sums, [3 + 1 + 121, 3]);
    // Same rules: bucket required there too.
    const noBucket = await get(`/v1/teams/${team}/knowledge_base?start_time=2026-11-01&end_time=2026-11-10`);
    assert.equal(noBucket.status, 400);
    assert.equal((noBucket.body as Envelope).details[0]?.parameter, 'bucket');
  });
});

describe('bad input', () => {
  const badTags: [string, unknown, string][] = [
    ['21 tags', Array.from({ length: 21 }, (_, i) => `t${i}`), 'tags'],
    ['an empty tag', ['ok', ''], 'tags[1]'],
    ['a 129-character tag', ['x'.repeat(129)], 'tags[0]'],
    ['a non-string tag', ['ok', 'ok', 3], 'tags[2]'],
    ['a null tag', [null], 'tags[0]'],
    ['tags not an array', 'a,b', 'tags'],
    ['a lone surrogate', ['\ud800'], 'tags[0]'],
  ];
  for (const [name, tags, field] of badTags) {
    test(`ingest: ${name} → 400 naming index and ${field}, nothing stored`, async () => {
      const bot = `kb-bad-${field.replace(/\W/g, '')}-${name.length}`;
      const res = await ingest(srv.url, token, [
        kb(bot, '2026-11-02T10:00:00Z', true),
        kb(bot, '2026-11-02T10:00:00Z', true, { tags }),
      ]);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const env = res.body as Envelope;
      assert.equal(env.code, 3);
      assert.equal(env.details[0]?.index, 1);
      assert.equal(env.details[0]?.field, field, JSON.stringify(env.details));
      assert.equal(await count(bot), 0);
    });
  }

  test('ingest: 20 tags of 128 characters are accepted', async () => {
    const tags = Array.from({ length: 20 }, (_, i) => String(i).padEnd(128, 'x'));
    const res = await ingest(srv.url, token, [kb('kb-max', '2026-11-02T10:00:00Z', true, { tags })]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const t = await get(`/v1/bots/kb-max/knowledge_base/tags?${RANGE}`);
    assert.equal((t.body as { data: unknown[] }).data.length, 20);
  });

  test('ingest: tags on another event type → 400 (unknown field), nothing stored', async () => {
    const res = await ingest(srv.url, token, [
      {
        ...kb('kb-foreign', '2026-11-02T10:00:00Z', true),
        answered: undefined,
        type: 'voice_call',
        duration_seconds: 3,
        tags: ['a'],
      },
    ]);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match((res.body as Envelope).details[0]?.reason ?? '', /unknown field "tags"/);
    assert.equal(await count('kb-foreign'), 0);
  });

  const badParams: [string, string, string][] = [
    ['/v1/bots/kb1/knowledge_base', 'start_time=2026-11-02&end_time=2026-11-03', 'version'],
    ['/v1/bots/kb1/knowledge_base', 'version=BETA&start_time=2026-11-02&end_time=2026-11-03', 'version'],
    ['/v1/bots/kb1/knowledge_base', 'version=LIVE&start_time=nope&end_time=2026-11-03', 'start_time'],
    ['/v1/bots/kb1/knowledge_base', 'version=LIVE&start_time=2026-11-03&end_time=2026-11-02', 'end_time'],
    ['/v1/bots/kb1/knowledge_base', `${RANGE}&bucket=1m`, 'bucket'],
    ['/v1/bots/kb1/knowledge_base', `${RANGE}&bucket=1w`, 'bucket'], // not shorter than 2 days
    ['/v1/bots/kb1/knowledge_base', `${RANGE}&timezone=Mars/Olympus`, 'timezone'],
    ['/v1/bots/kb1/knowledge_base/tags', 'start_time=2026-11-02&end_time=2026-11-03', 'version'],
    ['/v1/bots/kb1/knowledge_base/tags', 'version=LIVE&end_time=2026-11-03', 'start_time'],
    ['/v1/bots/kb1/knowledge_base/tags', `${RANGE}&timezone=asia/kolkata`, 'timezone'],
    [`/v1/teams/${team}/knowledge_base`, 'start_time=2026-11-01&end_time=2026-11-10&bucket=1h', 'bucket'],
  ];
  for (const [path, qs, param] of badParams) {
    test(`GET ${path}?${qs} → 400 naming ${param}`, async () => {
      const res = await get(`${path}?${qs}`);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const env = res.body as Envelope;
      assert.equal(env.code, 3);
      assert.match(JSON.stringify(env), new RegExp(param));
    });
  }

  test("another team's bot or team → 404, like a missing one", async () => {
    for (const path of [
      `/v1/bots/kb1/knowledge_base?${RANGE}`,
      `/v1/bots/kb1/knowledge_base/tags?${RANGE}`,
      `/v1/teams/${team}/knowledge_base?start_time=2026-11-01&end_time=2026-11-10&bucket=1d`,
      `/v1/bots/no-such-bot/knowledge_base/tags?${RANGE}`,
    ]) {
      const res = await get(path, otherToken);
      assert.equal(res.status, 404, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as Envelope).code, 5);
    }
  });
});

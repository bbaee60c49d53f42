/**
 * CONTRACT-LIVE-API §6 on event definitions: `team_id` on every definition, the optional
 * `team_id` of the bot's GET/POST (another team → 404, nothing stored), and
 * Analytics_ListTeamEventDefinitions (all the team's bots, ordered by bot then event,
 * keyset pages, `bot_id` filter), compared with test/reference/event-definitions.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { type CreatedDefinition, teamDefinitions } from '../reference/event-definitions.ts';
import type { RefEvent } from '../reference/events.ts';
import { buildModel } from '../reference/model.ts';

const TEAM = 'team-defs';
let srv: TestServer;
let token: string;
let otherToken: string;
const created: CreatedDefinition[] = [];
let events: RefEvent[] = [];

const tracking = (bot: string, event: string, agoDays: number, version: 'LIVE' | 'DRAFT' = 'LIVE'): RefEvent => ({
  type: 'tracking',
  team_id: TEAM,
  bot_id: bot,
  version,
  user_id: 'u1',
  event,
  attributes: {},
  timestamp: new Date(Date.now() - agoDays * 86_400_000 - 60_000).toISOString(),
});

async function call(path: string, tok: string, body?: unknown) {
  return api(`${srv.url}${path}`, tok, {
    ...(body === undefined
      ? {}
      : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

type Def = {
  team_id: string;
  bot_id: string;
  event: string;
  description: string;
  volume_30_day: number;
  last_seen_at?: string;
};
type ListBody = { event_definitions: Def[]; next_page_token: string };

const summary = (d: Def) => ({
  team_id: d.team_id,
  bot_id: d.bot_id,
  event: d.event,
  description: d.description,
  volume_30_day: d.volume_30_day,
  seen: d.last_seen_at !== undefined,
});

async function allPages(base: string, pageSize: number): Promise<Def[]> {
  const out: Def[] = [];
  let tokenParam = '';
  for (let i = 0; i < 50; i++) {
    const sep = base.includes('?') ? '&' : '?';
    const res = await call(`${base}${sep}page_size=${pageSize}${tokenParam}`, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_ListTeamEventDefinitions', res.body);
    const b = res.body as ListBody;
    assert.ok(b.event_definitions.length <= pageSize);
    out.push(...b.event_definitions);
    if (b.next_page_token === '') return out;
    tokenParam = `&page_token=${encodeURIComponent(b.next_page_token)}`;
  }
  throw new Error('too many pages');
}

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
  otherToken = await srv.token('team-defs-other');
  events = [
    tracking('bot-b', 'purchase', 1),
    tracking('bot-b', 'purchase', 2, 'DRAFT'),
    tracking('bot-b', 'old', 40),
    tracking('bot-a', 'zeta', 3),
    tracking('bot-a', 'alpha', 0),
    tracking('bot-c', 'purchase', 5),
  ];
  const res = await ingest(srv.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const foreign = await ingest(srv.url, otherToken, [
    { ...tracking('bot-x', 'theirs', 1), team_id: 'team-defs-other' },
  ]);
  assert.equal(foreign.status, 200, JSON.stringify(foreign.body));
});
after(async () => {
  await srv.close();
});

describe('team_id on the bot definitions', () => {
  test('POST with the token team creates, with team_id in the answer', async () => {
    const res = await call('/v1/bots/bot-a/events/definitions', token, {
      event: 'beta',
      description: 'B',
      team_id: TEAM,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema('Analytics_CreateEventDefinition', res.body);
    const def = (res.body as { event_definition: Def }).event_definition;
    assert.equal(def.team_id, TEAM);
    created.push({ bot_id: 'bot-a', event: 'beta', description: 'B' });
    const plain = await call('/v1/bots/bot-c/events/definitions', token, { event: 'aaa' });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    created.push({ bot_id: 'bot-c', event: 'aaa', description: '' });
  });

  test('POST naming another team answers 404 and stores nothing, whatever the body', async () => {
    for (const body of [
      { event: 'nope', team_id: 'team-defs-other' },
      { event: '', team_id: 'elsewhere' },
    ]) {
      const res = await call('/v1/bots/bot-a/events/definitions', token, body);
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal((res.body as { code: number }).code, 5);
    }
    const bad = await call('/v1/bots/bot-a/events/definitions', token, { event: 'nope', team_id: 7 });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.match((bad.body as { message: string }).message, /team_id/);
    const list = (await call('/v1/bots/bot-a/events/definitions', token)).body as ListBody;
    assert.ok(!list.event_definitions.some((d) => d.event === 'nope'));
  });

  test('GET with team_id: the token team lists, another team is 404', async () => {
    const ok = await call(`/v1/bots/bot-a/events/definitions?team_id=${TEAM}`, token);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assertMatchesSchema('Analytics_ListEventDefinitions', ok.body);
    const defs = (ok.body as ListBody).event_definitions;
    assert.deepEqual(
      defs.map((d) => [d.team_id, d.event]),
      [
        [TEAM, 'alpha'],
        [TEAM, 'beta'],
        [TEAM, 'zeta'],
      ],
    );
    const other = await call('/v1/bots/bot-a/events/definitions?team_id=team-defs-other', token);
    assert.equal(other.status, 404, JSON.stringify(other.body));
    assert.equal((other.body as { code: number }).code, 5);
  });
});

describe('Analytics_ListTeamEventDefinitions', () => {
  test('every bot of the team, by bot then event, through every page size', async () => {
    const want = teamDefinitions(buildModel(events), TEAM, ['bot-a', 'bot-b', 'bot-c'], created, Date.now());
    assert.deepEqual(
      want.map((d) => `${d.bot_id}/${d.event}`),
      ['bot-a/alpha', 'bot-a/beta', 'bot-a/zeta', 'bot-b/old', 'bot-b/purchase', 'bot-c/aaa', 'bot-c/purchase'],
    );
    for (const size of [1, 2, 3, 7, 100]) {
      const got = await allPages(`/v1/teams/${TEAM}/events/definitions`, size);
      assert.deepEqual(got.map(summary), want, `page_size ${size}`);
    }
    const bBot = teamDefinitions(buildModel(events), TEAM, ['bot-a', 'bot-b', 'bot-c'], created, Date.now(), 'bot-b');
    assert.deepEqual((await allPages(`/v1/teams/${TEAM}/events/definitions?bot_id=bot-b`, 1)).map(summary), bBot);
    assert.equal(bBot.find((d) => d.event === 'purchase')?.volume_30_day, 2);
  });

  test('ids match the bot list', async () => {
    const team = (await call(`/v1/teams/${TEAM}/events/definitions?bot_id=bot-a`, token)).body as ListBody;
    const bot = (await call('/v1/bots/bot-a/events/definitions', token)).body as ListBody;
    assert.deepEqual(team.event_definitions, bot.event_definitions);
  });

  test("another team, another team's bot, an unknown bot: 404", async () => {
    for (const url of [
      '/v1/teams/team-defs-other/events/definitions',
      `/v1/teams/${TEAM}/events/definitions?bot_id=bot-x`,
      `/v1/teams/${TEAM}/events/definitions?bot_id=never-seen`,
    ]) {
      const res = await call(url, token);
      assert.equal(res.status, 404, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as { code: number }).code, 5);
    }
  });

  test('bad input: 400 naming the parameter', async () => {
    const first = (await call(`/v1/teams/${TEAM}/events/definitions?page_size=1`, token)).body as ListBody;
    const foreignToken = encodeURIComponent(first.next_page_token);
    const cases: [string, string][] = [
      [`/v1/teams/${TEAM}/events/definitions?page_size=-1`, 'page_size'],
      [`/v1/teams/${TEAM}/events/definitions?page_size=abc`, 'page_size'],
      [`/v1/teams/${TEAM}/events/definitions?page_token=garbage`, 'page_token'],
      // A token of the unfiltered list used with a bot filter, and on a bot's list.
      [`/v1/teams/${TEAM}/events/definitions?bot_id=bot-a&page_token=${foreignToken}`, 'page_token'],
      [`/v1/bots/bot-a/events/definitions?page_token=${foreignToken}`, 'page_token'],
      [`/v1/teams/${TEAM}/events/definitions?bot_id=${encodeURIComponent('bad id!')}`, 'bot_id'],
    ];
    for (const [url, param] of cases) {
      const res = await call(url, token);
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as { code: number }).code, 3);
      assert.match((res.body as { message: string }).message, new RegExp(param));
    }
  });

  test('needs the admin scope', async () => {
    const reader = await srv.token(TEAM, ['read']);
    const res = await call(`/v1/teams/${TEAM}/events/definitions`, reader);
    assert.equal(res.status, 403, JSON.stringify(res.body));
  });
});

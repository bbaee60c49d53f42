import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Envelope } from '../helpers/envelope.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { message, messages, storedRows, uniq } from './fixtures.ts';

// CONTRACT §6: ingest for another team is 403 and stores nothing; reading another team's
// bot or team is a 404 that looks exactly like a bot or team that does not exist.
describe('tenancy', () => {
  let srv: TestServer;
  let tokenA: string;
  let tokenB: string;
  const teamA = 'team-a';
  const teamB = 'team-b';
  const botA = uniq('bot-of-a');

  before(async () => {
    srv = await startTestServer();
    tokenA = await srv.token(teamA);
    tokenB = await srv.token(teamB);
    const res = await ingest(srv.url, tokenA, messages(3, { team: teamA, bot: botA, idPrefix: 'a' }));
    assert.equal(res.status, 200);
  });
  after(async () => {
    await srv?.close();
  });

  test("an event for another team_id than the token's → 403 {code: 7}, nothing stored", async () => {
    const bot = uniq('bot-new');
    const evs = [message({ team: teamB, bot, id: 'ok' }), message({ team: teamA, bot, id: 'foreign' })];
    const res = await ingest(srv.url, tokenB, evs);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal((res.body as Envelope).code, 7);
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
    // Nor was the bot claimed by the refused request: team A may still take it.
    assert.equal((await ingest(srv.url, tokenA, [message({ team: teamA, bot })])).status, 200);
  });

  test("ingest to a bot owned by another team → 403 {code: 7}, nothing stored, even the other bots' events", async () => {
    const freshBot = uniq('bot-fresh');
    const before = (await storedRows(srv.services.ch, botA)).length;
    const res = await ingest(srv.url, tokenB, [
      message({ team: teamB, bot: freshBot, id: 'mine' }),
      message({ team: teamB, bot: botA, id: 'stolen' }),
    ]);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal((res.body as Envelope).code, 7);
    assert.equal((await storedRows(srv.services.ch, botA)).length, before);
    assert.equal((await storedRows(srv.services.ch, freshBot)).length, 0);
    assert.equal(await srv.services.bots.ownerOf(freshBot), undefined, 'a refused request claims no bot');
  });

  const range = 'version=LIVE&start_time=2026-01-01&end_time=2026-01-02';
  const stripName = (body: unknown, name: string): unknown => {
    const env = body as Envelope;
    return { ...env, message: env.message.replace(name, 'X') };
  };

  test("reading another team's bot → 404 {code: 5}, identical to a bot that does not exist", async () => {
    const missing = uniq('bot-missing');
    for (const route of ['messages', 'conversations', 'users', 'events/definitions', 'subscriptions']) {
      const qs = route.includes('definitions') || route === 'subscriptions' ? '' : `?${range}`;
      const foreign = await api(`${srv.url}/v1/bots/${botA}/${route}${qs}`, tokenB);
      const absent = await api(`${srv.url}/v1/bots/${missing}/${route}${qs}`, tokenB);
      assert.equal(foreign.status, 404, route);
      assert.equal(absent.status, 404, route);
      assert.equal((foreign.body as Envelope).code, 5);
      assert.deepEqual(stripName(foreign.body, botA), stripName(absent.body, missing), route);
    }
  });

  test("the team endpoints with another team's id → 404, like an unknown team", async () => {
    const q = 'start_time=2026-01-01&end_time=2026-01-02';
    for (const route of [
      'v1/teams/{t}/conversations',
      'v1/teams/{t}/voice_minutes',
      'v1beta1/teams/{t}/knowledge_base',
    ]) {
      const qs = route.includes('knowledge') ? `${q}&bucket=1d` : q;
      const foreign = await api(`${srv.url}/${route.replace('{t}', teamA)}?${qs}`, tokenB);
      const absent = await api(`${srv.url}/${route.replace('{t}', 'team-nobody')}?${qs}`, tokenB);
      assert.equal(foreign.status, 404, route);
      assert.equal((foreign.body as Envelope).code, 5);
      assert.deepEqual(stripName(foreign.body, teamA), stripName(absent.body, 'team-nobody'), route);
    }
  });

  test('admin writes on another team bot are 404 and claim nothing', async () => {
    const res = await api(`${srv.url}/v1/bots/${botA}/events/definitions`, tokenB, {
      method: 'POST',
      body: JSON.stringify({ event: 'x', description: 'y' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(await srv.services.bots.ownerOf(botA), teamA);
  });
});

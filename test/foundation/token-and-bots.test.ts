/**
 * GET /v1/token and GET /v1/teams/{team}/bots (our additions): what a client holding only
 * a token (the dashboard) needs to find its team and its bots.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const a = await server.token('team-a');
  const b = await server.token('team-b');
  const ev = (team: string, bot: string) => ({
    type: 'message',
    direction: 'user',
    kind: 'text',
    intent: null,
    timestamp: '2026-10-05T09:00:00Z',
    team_id: team,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
  });
  assert.equal((await ingest(server.url, a, [ev('team-a', 'zeta'), ev('team-a', 'alpha')])).status, 200);
  assert.equal((await ingest(server.url, b, [ev('team-b', 'beta')])).status, 200);
});

after(async () => {
  await server.close();
});

test('GET /v1/token names the token, its team and its scopes (never the secret)', async () => {
  const token = await server.token('team-a', ['ingest']);
  const r = await api(`${server.url}/v1/token`, token);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { token_id: token.split(':')[0], team_id: 'team-a', scopes: ['ingest'] });
  assert.ok(!JSON.stringify(r.body).includes(token.split(':')[1] as string));
  const none = await api(`${server.url}/v1/token`, undefined);
  assert.equal(none.status, 401);
  assert.equal((none.body as { code: number }).code, 16);
  const wrong = await api(`${server.url}/v1/token`, `${token.split(':')[0]}:not-the-secret`);
  assert.equal(wrong.status, 401);
});

test("GET /v1/teams/{team}/bots lists the team's bots only, sorted; needs read", async () => {
  const token = await server.token('team-a', ['read']);
  const r = await api(`${server.url}/v1/teams/team-a/bots`, token);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { bots: [{ bot_id: 'alpha' }, { bot_id: 'zeta' }] });
  const other = await api(`${server.url}/v1/teams/team-b/bots`, token);
  assert.equal(other.status, 404);
  const ingestOnly = await server.token('team-a', ['ingest']);
  const denied = await api(`${server.url}/v1/teams/team-a/bots`, ingestOnly);
  assert.equal(denied.status, 403);
  assert.equal((denied.body as { code: number }).code, 7);
});

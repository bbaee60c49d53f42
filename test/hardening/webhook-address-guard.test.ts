import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 9 "Address guard": https://[::127.0.0.1] (IPv4-compatible IPv6, URL-normalized to
// [::7f00:1]) passed the create-time check. Private targets are disallowed (the default).
const TEAM = 'team-guard';
const BOT = 'bot-guard';
let srv: TestServer;
let token: string;

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
  // Claim the bot by ingest, so the only thing wrong with the create below is its target.
  const claimed = await ingest(srv.url, token, [
    {
      id: 'g1',
      type: 'tracking',
      timestamp: new Date().toISOString(),
      team_id: TEAM,
      bot_id: BOT,
      version: 'LIVE',
      user_id: 'u1',
      event: 'e',
      attributes: {},
    },
  ]);
  assert.equal(claimed.status, 200);
});
after(async () => {
  await srv.close();
});

test('creating a subscription to an IPv4-embedding IPv6 loopback answers 400, stores nothing', async () => {
  for (const target of ['https://[::127.0.0.1]/', 'https://[64:ff9b::7f00:1]/', 'https://[2002:7f00:1::]/']) {
    const res = await api(`${srv.url}/v1/bots/${BOT}/subscriptions`, token, {
      method: 'POST',
      body: JSON.stringify({ target, event_type: 'TRACKING_EVENT', version: 'v1' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400, target);
    const body = res.body as { code: number; message: string; details: unknown[] };
    assert.equal(body.code, 3);
    assert.match(body.message, /target/);
    assert.ok(Array.isArray(body.details));
  }
  const rows = await srv.services.db.selectFrom('subscriptions').select('id').execute();
  assert.deepEqual(rows, []);
});

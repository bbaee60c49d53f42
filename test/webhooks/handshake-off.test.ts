import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { Receiver, sleep } from './receiver.ts';

// WEBHOOK_VERIFY_TARGETS=false (CONTRACT-LIVE-API §7): the operator turns the handshake off and
// subscriptions start ACTIVE, as before it. Its own file: one chDB data directory per process.
const TEAM = 'team-hs-off';
let srv: TestServer;
let rcv: Receiver;

before(async () => {
  srv = await startTestServer({
    webhookAllowPrivateTargets: true,
    webhookRetryScheduleSeconds: [1, 1, 1],
    webhookVerifyTargets: false,
  });
  rcv = await new Receiver().listen();
});
after(async () => {
  await srv.close();
  await rcv.close();
});

describe('WEBHOOK_VERIFY_TARGETS', () => {
  test('is on by default; false/0 turn it off; anything else is a configuration error', () => {
    assert.equal(loadConfig({}).webhookVerifyTargets, true);
    assert.equal(loadConfig({ WEBHOOK_VERIFY_TARGETS: '' }).webhookVerifyTargets, true);
    assert.equal(loadConfig({ WEBHOOK_VERIFY_TARGETS: 'true' }).webhookVerifyTargets, true);
    assert.equal(loadConfig({ WEBHOOK_VERIFY_TARGETS: 'false' }).webhookVerifyTargets, false);
    assert.equal(loadConfig({ WEBHOOK_VERIFY_TARGETS: '0' }).webhookVerifyTargets, false);
    assert.throws(() => loadConfig({ WEBHOOK_VERIFY_TARGETS: 'no' }), ConfigError);
  });

  test('false: a subscription is ACTIVE at once and no challenge is ever sent', async () => {
    const token = await srv.token(TEAM);
    rcv.onChallenge = () => ({ status: 500 });
    await srv.services.bots.claim('bot-off', TEAM);
    const res = await api(`${srv.url}/v1/bots/bot-off/subscriptions`, token, {
      method: 'POST',
      body: JSON.stringify({ target: rcv.url, event_type: 'TRACKING_EVENT', version: 'v1' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const created = res.body as { subscription: { status: string }; secret: string };
    assert.equal(created.subscription.status, 'ACTIVE');
    const sent = await ingest(srv.url, token, [
      {
        id: 'o1',
        type: 'tracking',
        team_id: TEAM,
        bot_id: 'bot-off',
        version: 'LIVE',
        user_id: 'u1',
        event: 'purchase',
        attributes: {},
        timestamp: new Date().toISOString(),
      },
    ]);
    assert.equal(sent.status, 200);
    await rcv.waitFor(1);
    await sleep(300);
    assert.equal(rcv.challenges.length, 0);
    assert.equal(rcv.all.length, 1);
    const [only] = rcv.all;
    assert.equal(only?.headers['x-message-type'], 'notification');
    new Webhook(created.secret).verify(only?.body ?? '', only?.headers as Record<string, string>);
  });
});

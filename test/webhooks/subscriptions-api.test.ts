import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

// Default configuration: https only, no private targets.
const TEAM = 'team-subs';
const BOT = 'bot-subs';
let srv: TestServer;
let token: string;

const post = (body: unknown, t = token, bot = BOT) =>
  api(`${srv.url}/v1/bots/${bot}/subscriptions`, t, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const list = async (query = '') => {
  const res = await api(`${srv.url}/v1/bots/${BOT}/subscriptions${query}`, token);
  assert.equal(res.status, 200);
  assertMatchesSchema('Analytics_ListSubscriptions', res.body);
  return res.body as { subscriptions: { id: string; target: string }[]; next_page_token: string };
};

before(async () => {
  // Handshake off: these targets (example.com) must never be contacted, and no event is
  // sent here; test/webhooks/handshake.test.ts covers the handshake.
  srv = await startTestServer({ webhookVerifyTargets: false });
  token = await srv.token(TEAM);
  // An admin write claims no bot (CONTRACT §7): the operator's `bot create` did.
  await srv.services.bots.claim(BOT, TEAM);
});
after(async () => {
  await srv.close();
});

describe('subscriptions API', () => {
  test('loopback, private and link-local targets and plain http are refused (400), nothing stored', async () => {
    const targets = [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://localhost:8443/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://10.1.2.3/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest',
      'https://0.0.0.0/hook',
      'https://user:pw@example.com/hook',
      'ftp://example.com/',
      'not a url',
    ];
    for (const target of targets) {
      const res = await post({ target, event_type: 'TRACKING_EVENT', version: 'v1' });
      assert.equal(res.status, 400, target);
      assert.equal((res.body as { code: number }).code, 3);
      assert.match((res.body as { message: string }).message, /target/);
    }
    assert.deepEqual((await list()).subscriptions, []);
  });

  test('other bad inputs answer 400 naming the field, nothing stored', async () => {
    const ok = { target: 'https://example.com/hook', event_type: 'TRACKING_EVENT', version: 'v1' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, version: 'v2' }, 'version'],
      [{ ...ok, version: undefined }, 'version'],
      [{ ...ok, event_type: 'NOPE' }, 'event_type'],
      [{ ...ok, event_type: undefined }, 'event_type'],
      [{ ...ok, event_type: 'MESSAGE_EVENT', event_names: ['x'] }, 'event_names'],
      [{ ...ok, event_names: [''] }, 'event_names'],
      [{ ...ok, secret: 'short' }, 'secret'],
      [{ ...ok, secret: 'whsec_!!!' }, 'secret'],
      [{ ...ok, target: undefined }, 'target'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match((res.body as { message: string }).message, new RegExp(field), JSON.stringify(res.body));
    }
    assert.deepEqual((await list()).subscriptions, []);
  });

  test('create (TRACKING_EVENTS accepted), list with pages, secret never returned, delete', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post({
        target: `https://example.com/hook/${i}`,
        event_type: i === 0 ? 'TRACKING_EVENTS' : 'MESSAGE_EVENT',
        version: 'v1',
        secret: 'supplied-secret-value',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assertMatchesSchema('Analytics_CreateSubscription', res.body);
      const b = res.body as { subscription: { id: string; status: string; event_names: string[] }; secret?: string };
      assert.equal(b.secret, undefined, 'a supplied secret is not echoed');
      assert.equal(b.subscription.status, 'ACTIVE');
      assert.deepEqual(b.subscription.event_names, []);
      ids.push(b.subscription.id);
    }
    const seen: string[] = [];
    let tok = '';
    for (let i = 0; i < 5; i++) {
      const page = await list(`?page_size=2${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`);
      seen.push(...page.subscriptions.map((s) => s.id));
      assert.ok(!JSON.stringify(page).includes('supplied-secret-value'));
      if (!page.next_page_token) break;
      tok = page.next_page_token;
    }
    assert.deepEqual(seen, ids);
    const badTok = await api(`${srv.url}/v1/bots/${BOT}/subscriptions?page_token=zzz`, token);
    assert.equal(badTok.status, 400);

    const other = await srv.token('team-other');
    const foreign = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/${ids[0]}`, other, { method: 'DELETE' });
    assert.equal(foreign.status, 404);
    const unknown = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/sub_nope`, token, { method: 'DELETE' });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { code: number }).code, 5);
    const del = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/${ids[0]}`, token, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, {});
    const again = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/${ids[0]}`, token, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.deepEqual(
      (await list()).subscriptions.map((s) => s.id),
      ids.slice(1),
    );
    const deliveries = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/${ids[1]}/deliveries`, token);
    assert.equal(deliveries.status, 200);
    assertMatchesSchema('Analytics_ListDeliveries', deliveries.body);
    const gone = await api(`${srv.url}/v1/bots/${BOT}/subscriptions/${ids[0]}/deliveries`, token);
    assert.equal(gone.status, 404);
    // Pruning (history by age, queues of deleted subscriptions) runs on this store.
    await srv.services.deliveries.prune(Date.now());
  });

  test("another team's bot: create, list and delete answer 404", async () => {
    const other = await srv.token('team-other-2');
    const res = await post({ target: 'https://example.com/x', event_type: 'FLOW_EVENT', version: 'v1' }, other);
    assert.equal(res.status, 404);
    const l = await api(`${srv.url}/v1/bots/${BOT}/subscriptions`, other);
    assert.equal(l.status, 404);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { Receiver, sleep } from './receiver.ts';

// Real receivers on 127.0.0.1, so private targets are allowed here; short retry schedule.
const TEAM = 'team-wh';
let srv: TestServer;
let token: string;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await new Receiver().listen();
  receivers.push(r);
  return r;
}

async function subscribe(bot: string, body: Record<string, unknown>) {
  // These tests subscribe before the bot's first event: claim it as `bot create` does.
  await srv.services.bots.claim(bot, TEAM);
  const res = await api(`${srv.url}/v1/bots/${bot}/subscriptions`, token, {
    method: 'POST',
    body: JSON.stringify({ version: 'v1', event_type: 'TRACKING_EVENT', ...body }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { subscription: { id: string; status: string }; secret?: string };
}

const track = (bot: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'tracking',
  team_id: TEAM,
  bot_id: bot,
  version: 'LIVE',
  user_id: 'u1',
  event: 'purchase',
  attributes: { amount: 5 },
  timestamp: new Date().toISOString(),
  ...over,
});

async function send(events: Record<string, unknown>[]) {
  const res = await ingest(srv.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function status(bot: string, id: string): Promise<string> {
  const res = await api(`${srv.url}/v1/bots/${bot}/subscriptions`, token);
  const subs = (res.body as { subscriptions: { id: string; status: string }[] }).subscriptions;
  return subs.find((s) => s.id === id)?.status ?? 'missing';
}

async function waitStatus(bot: string, id: string, want: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(bot, id);
    if (s === want) return;
    if (Date.now() > deadline) throw new Error(`status ${s}, wanted ${want}`);
    await sleep(100);
  }
}

before(async () => {
  srv = await startTestServer({
    webhookAllowPrivateTargets: true,
    webhookRetryScheduleSeconds: [1, 1, 1],
    webhookTargetConcurrency: 4,
  });
  token = await srv.token(TEAM);
});
after(async () => {
  await srv.close();
  for (const r of receivers) await r.close();
});

describe('webhook delivery', () => {
  test('signed per Standard Webhooks (generated whsec_ secret), body shape, event_names filter', async () => {
    const rcv = await receiver();
    const created = await subscribe('bot-sig', { target: rcv.url, event_names: ['purchase'] });
    assert.ok(created.secret?.startsWith('whsec_'));
    assertMatchesSchema('Analytics_CreateSubscription', created);
    await send([track('bot-sig', { event: 'ignored' }), track('bot-sig', { id: 'ev-1' })]);
    const [got] = await rcv.waitFor(1);
    assert.ok(got);
    const wh = new Webhook(created.secret as string);
    const payload = wh.verify(got.body, got.headers as Record<string, string>) as Record<string, unknown>;
    assert.equal(payload.type, 'TRACKING_EVENT');
    assert.equal(payload.version, 'v1');
    assert.equal(payload.subscription_id, created.subscription.id);
    assert.equal(payload.bot_id, 'bot-sig');
    assert.equal(payload.id, got.headers['webhook-id']);
    const data = payload.data as Record<string, unknown>;
    assert.equal(data.id, 'ev-1');
    assert.equal(data.event, 'purchase');
    assert.deepEqual(JSON.parse(data.attributes as string), { amount: 5 });
    await sleep(500);
    assert.equal(rcv.received.length, 1, 'the filtered-out event is not delivered');
    // The secret is never returned afterwards.
    const list = await api(`${srv.url}/v1/bots/bot-sig/subscriptions`, token);
    assert.ok(!JSON.stringify(list.body).includes(created.secret as string));
    assert.ok(!JSON.stringify(list.body).includes('"secret"'));
  });

  test('a plain (non-whsec) secret signs with its UTF-8 bytes; MESSAGE_EVENT and FLOW_EVENT', async () => {
    const rcv = await receiver();
    const secret = 'my-plain-secret-123';
    await subscribe('bot-types', { target: rcv.url, event_type: 'MESSAGE_EVENT', secret });
    await subscribe('bot-types', { target: rcv.url, event_type: 'FLOW_EVENT', secret });
    const base = {
      team_id: TEAM,
      bot_id: 'bot-types',
      version: 'DRAFT',
      user_id: 'u',
      timestamp: new Date().toISOString(),
    };
    await send([
      { ...base, type: 'message', direction: 'user', kind: 'text', intent: 'hello' },
      { ...base, type: 'step', step_id: 's1', step_type: 'bot_dialog' },
      track('bot-types'),
    ]);
    const got = await rcv.waitFor(2);
    await sleep(300);
    assert.equal(got.length, 2);
    const wh = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
    const types = got.map((g) => (wh.verify(g.body, g.headers as Record<string, string>) as { type: string }).type);
    assert.deepEqual(types.sort(), ['FLOW_EVENT', 'MESSAGE_EVENT']);
    const flow = got.map((g) => JSON.parse(g.body)).find((p) => p.type === 'FLOW_EVENT');
    assert.equal(flow.data.step_id, 's1');
  });

  test('retry then success: FAILING, then ACTIVE again; attempts listed', async () => {
    const rcv = await receiver();
    rcv.reply = (_r, n) => (n <= 2 ? { status: 500 } : { status: 204 });
    const { subscription } = await subscribe('bot-retry', { target: rcv.url });
    await send([track('bot-retry')]);
    await rcv.waitFor(1);
    await waitStatus('bot-retry', subscription.id, 'FAILING');
    const got = await rcv.waitFor(3);
    assert.equal(got[0]?.headers['webhook-id'], got[2]?.headers['webhook-id'], 'same id on retry');
    assert.equal(got[0]?.body, got[2]?.body);
    await waitStatus('bot-retry', subscription.id, 'ACTIVE');
    await sleep(200);
    const res = await api(`${srv.url}/v1/bots/bot-retry/subscriptions/${subscription.id}/deliveries`, token);
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_ListDeliveries', res.body);
    const b = res.body as {
      attempts: {
        status_code: number;
        attempt: number;
        delivery_status: string;
        error: string;
        message_type: string;
      }[];
      pending_deliveries: number;
    };
    // The handshake's challenge is listed too (the first attempt of all, answered 200).
    assert.deepEqual(
      b.attempts.filter((a) => a.message_type === 'webhook_callback_verification').map((a) => a.delivery_status),
      ['delivered'],
    );
    b.attempts = b.attempts.filter((a) => a.message_type === 'notification');
    assert.deepEqual(
      b.attempts.map((a) => [a.attempt, a.status_code]),
      [
        [3, 204],
        [2, 500],
        [1, 500],
      ],
    );
    assert.equal(b.attempts[0]?.delivery_status, 'delivered');
    assert.equal(b.attempts[1]?.error, 'HTTP 500');
    assert.equal(b.pending_deliveries, 0);
  });

  test('410 Gone disables the subscription', async () => {
    const rcv = await receiver();
    rcv.reply = () => ({ status: 410 });
    const { subscription } = await subscribe('bot-gone', { target: rcv.url });
    await send([track('bot-gone')]);
    await rcv.waitFor(1);
    await waitStatus('bot-gone', subscription.id, 'DISABLED');
    await send([track('bot-gone')]);
    await sleep(1500);
    assert.equal(rcv.received.length, 1, 'nothing sent after DISABLED');
  });

  test('exhausted schedule disables the subscription', async () => {
    const rcv = await receiver();
    rcv.reply = () => ({ status: 500 });
    const { subscription } = await subscribe('bot-exhaust', { target: rcv.url });
    await send([track('bot-exhaust')]);
    await rcv.waitFor(4); // first attempt + 3 retries ("1,1,1")
    await waitStatus('bot-exhaust', subscription.id, 'DISABLED');
    await sleep(1500);
    assert.equal(rcv.received.length, 4);
  });

  test('Retry-After is honoured', async () => {
    const rcv = await receiver();
    rcv.reply = (_r, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '3' } } : { status: 200 });
    await subscribe('bot-ra', { target: rcv.url });
    await send([track('bot-ra')]);
    const got = await rcv.waitFor(2);
    const gap = (got[1]?.at ?? 0) - (got[0]?.at ?? 0);
    // The schedule alone would retry after ~1 s; the receiver asked for 3 s.
    assert.ok(gap >= 2900, `retried after ${gap} ms`);
  });

  test('a hanging receiver does not delay deliveries to another subscription', async () => {
    const slow = await receiver();
    slow.reply = () => 'hang';
    const fast = await receiver();
    await subscribe('bot-hang', { target: slow.url });
    await subscribe('bot-hang', { target: fast.url });
    // More events than the per-target limit (4): the slow target's slots are all taken.
    await send(Array.from({ length: 12 }, (_, i) => track('bot-hang', { attributes: { i } })));
    await fast.waitFor(12, 10_000);
    await slow.waitFor(4, 10_000);
    await sleep(300);
    assert.equal(slow.received.length, 4, 'per-target concurrency limit holds');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { WebhookSender } from '../../src/webhooks/sender.ts';
import { freshSchema } from '../foundation/postgres.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { echoChallenge, type Received, Receiver, sleep } from './receiver.ts';

// The webhook ownership handshake (CONTRACT-LIVE-API §7) and bot_version (§6), against real
// receivers on 127.0.0.1 (so private targets are allowed) with a 1 s retry schedule: the
// challenge goes out at creation and 1, 2 and 3 s later.
const TEAM = 'team-hs';
let srv: TestServer;
let token: string;
const receivers: Receiver[] = [];
const MESSAGE_TYPES = ['notification', 'webhook_callback_verification', 'revocation'];

async function receiver(): Promise<Receiver> {
  const r = await new Receiver().listen();
  receivers.push(r);
  return r;
}

interface Sub {
  id: string;
  status: string;
  bot_version: string;
}

const createRaw = (bot: string, body: Record<string, unknown>, t = token, base = srv.url) =>
  api(`${base}/v1/bots/${bot}/subscriptions`, t, {
    method: 'POST',
    body: JSON.stringify({ version: 'v1', event_type: 'TRACKING_EVENT', ...body }),
    headers: { 'content-type': 'application/json' },
  });

async function subscribe(bot: string, body: Record<string, unknown>, s = srv) {
  await s.services.bots.claim(bot, TEAM);
  const res = await createRaw(bot, body, token, s.url);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertMatchesSchema('Analytics_CreateSubscription', res.body);
  return res.body as { subscription: Sub; secret: string };
}

const track = (bot: string, id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  type: 'tracking',
  team_id: TEAM,
  bot_id: bot,
  version: 'LIVE',
  user_id: 'u1',
  event: 'purchase',
  attributes: {},
  timestamp: new Date().toISOString(),
  ...over,
});

async function send(events: Record<string, unknown>[], s = srv) {
  const res = await ingest(s.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function subscription(bot: string, id: string, base = srv.url, t = token): Promise<Sub | undefined> {
  const res = await api(`${base}/v1/bots/${bot}/subscriptions`, t);
  assert.equal(res.status, 200);
  return (res.body as { subscriptions: Sub[] }).subscriptions.find((s) => s.id === id);
}

async function waitStatus(bot: string, id: string, want: string, timeoutMs = 20_000, base = srv.url, t = token) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await subscription(bot, id, base, t))?.status;
    if (s === want) return;
    if (Date.now() > deadline) throw new Error(`status ${s}, wanted ${want}`);
    await sleep(50);
  }
}

/** Every request: an X-Message-Type of the three, and a Standard Webhooks signature that verifies. */
function verifyAll(list: Received[], secret: string): Record<string, unknown>[] {
  const wh = new Webhook(secret);
  return list.map((r) => {
    assert.ok(MESSAGE_TYPES.includes(String(r.headers['x-message-type'])), String(r.headers['x-message-type']));
    return wh.verify(r.body, r.headers as Record<string, string>) as Record<string, unknown>;
  });
}

const eventIds = (list: Received[]) => list.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id).sort();

// HANDSHAKE_PG=1: the control store on the local PostgreSQL (a fresh schema) instead of SQLite.
let dropSchema = async () => {};
before(async () => {
  const pg = process.env.HANDSHAKE_PG === '1' ? await freshSchema() : undefined;
  if (pg) dropSchema = pg.drop;
  srv = await startTestServer({
    webhookAllowPrivateTargets: true,
    webhookRetryScheduleSeconds: [1, 1, 1],
    ...(pg ? { databaseUrl: pg.url } : {}),
  });
  token = await srv.token(TEAM);
});
after(async () => {
  await srv.close();
  for (const r of receivers) await r.close();
  await dropSchema();
});

describe('webhook handshake', () => {
  test('an echoing target becomes ACTIVE and gets the events accepted while it was pending', async () => {
    const rcv = await receiver();
    // The first challenge is refused, so events arrive while the subscription is pending.
    rcv.onChallenge = (r, n) => (n === 1 ? { status: 503 } : echoChallenge(r));
    const created = await subscribe('bot-echo', { target: rcv.url });
    assert.equal(created.subscription.status, 'VERIFICATION_PENDING', 'the answer does not wait for the target');
    assert.equal(created.subscription.bot_version, '');
    await rcv.waitFor(1, 5_000, rcv.challenges);
    await send([track('bot-echo', 'p1'), track('bot-echo', 'p2')]);
    await sleep(300);
    assert.equal((await subscription('bot-echo', created.subscription.id))?.status, 'VERIFICATION_PENDING');
    assert.equal(rcv.received.length, 0, 'nothing but challenges before verification');

    await waitStatus('bot-echo', created.subscription.id, 'ACTIVE');
    await rcv.waitFor(2);
    await send([track('bot-echo', 'a1')]);
    await rcv.waitFor(3);
    await sleep(300);
    assert.deepEqual(eventIds(rcv.received), ['a1', 'p1', 'p2']);
    assert.equal(rcv.challenges.length, 2);
    // No notification before the verifying answer.
    const verifiedAt = rcv.challenges[1]?.at ?? 0;
    assert.ok(rcv.received.every((r) => r.at >= verifiedAt));

    const payloads = verifyAll(rcv.all, created.secret);
    assert.equal(payloads.length, 5);
    const [c1, c2] = rcv.challenges.map((r) => JSON.parse(r.body) as { challenge: string; subscription: Sub });
    assert.ok(c1 && c2);
    assert.ok(c1.challenge.length >= 16);
    assert.equal(c1.challenge, c2.challenge, 'the same challenge on every attempt');
    assert.equal(rcv.challenges[0]?.headers['webhook-id'], rcv.challenges[1]?.headers['webhook-id']);
    assert.deepEqual(Object.keys(c1).sort(), ['challenge', 'subscription']);
    assert.deepEqual(c1.subscription, { ...created.subscription });
    assertMatchesSchema('Analytics_CreateSubscription', { subscription: c1.subscription });
    for (const r of rcv.received) assert.equal(r.headers['x-message-type'], 'notification');

    const res = await api(`${srv.url}/v1/bots/bot-echo/subscriptions/${created.subscription.id}/deliveries`, token);
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_ListDeliveries', res.body);
    const listed = (res.body as { attempts: { message_type: string; delivery_status: string; attempt: number }[] })
      .attempts;
    assert.deepEqual(
      listed
        .filter((a) => a.message_type === 'webhook_callback_verification')
        .map((a) => [a.attempt, a.delivery_status]),
      [
        [2, 'delivered'],
        [1, 'delivered'],
      ],
    );
    assert.equal(listed.filter((a) => a.message_type === 'notification').length, 3);
  });

  test('surrounding whitespace around the echoed challenge is ignored', async () => {
    const rcv = await receiver();
    rcv.onChallenge = (r) => ({
      status: 200,
      body: `\n  ${(JSON.parse(r.body) as { challenge: string }).challenge}\r\n`,
    });
    const { subscription } = await subscribe('bot-ws', { target: rcv.url });
    await waitStatus('bot-ws', subscription.id, 'ACTIVE', 5_000);
    assert.equal(rcv.challenges.length, 1);
  });

  test('a target that does not echo: VERIFICATION_FAILED after 4 challenges, nothing else ever sent', async () => {
    const rcv = await receiver();
    // 2xx but not the challenge, a JSON echo, an error, a hang: none of them verifies.
    const answers = [
      () => ({ status: 200, body: 'ok' }),
      (r: Received) => ({ status: 200, body: r.body }),
      () => ({ status: 500 }),
      () => ({ status: 204 }),
    ];
    rcv.onChallenge = (r, n) => (answers[n - 1] ?? answers[0])?.(r) as { status: number };
    const created = await subscribe('bot-noecho', { target: rcv.url });
    await send([track('bot-noecho', 'n1')]);
    await waitStatus('bot-noecho', created.subscription.id, 'VERIFICATION_FAILED', 15_000);
    await send([track('bot-noecho', 'n2')]);
    await sleep(1_500);
    assert.equal(rcv.challenges.length, 4, 'at creation and after the first three delays');
    assert.equal(rcv.received.length, 0);
    assert.equal(rcv.revocations.length, 0, 'a failed verification is not a revocation');
    assert.equal(rcv.all.length, 4);
    verifyAll(rcv.all, created.secret);
    // The schedule's delays (1 s, ±0) separate the attempts.
    for (let i = 1; i < 4; i++) {
      const gap = (rcv.challenges[i]?.at ?? 0) - (rcv.challenges[i - 1]?.at ?? 0);
      assert.ok(gap >= 900, `challenge ${i + 1} came ${gap} ms after the previous one`);
    }
    const res = await api(`${srv.url}/v1/bots/bot-noecho/subscriptions/${created.subscription.id}/deliveries`, token);
    assertMatchesSchema('Analytics_ListDeliveries', res.body);
    const b = res.body as {
      status_reason: string;
      pending_deliveries: number;
      attempts: { message_type: string; delivery_status: string; error: string }[];
    };
    assert.equal(b.pending_deliveries, 0);
    assert.match(b.status_reason, /not verified after 4/);
    assert.deepEqual(
      b.attempts.map((a) => [a.message_type, a.delivery_status]),
      Array.from({ length: 4 }, () => ['webhook_callback_verification', 'failed']),
    );
    assert.equal(b.attempts[3]?.error, 'the answer was not the challenge');
  });

  test('410 Gone: DISABLED and one revocation ("gone"), not retried when it fails', async () => {
    const rcv = await receiver();
    rcv.reply = () => ({ status: 410 });
    rcv.onRevocation = () => ({ status: 500 });
    const created = await subscribe('bot-rev', { target: rcv.url });
    await send([track('bot-rev', 'g1')]);
    await waitStatus('bot-rev', created.subscription.id, 'DISABLED');
    await rcv.waitFor(1, 5_000, rcv.revocations);
    await send([track('bot-rev', 'g2')]);
    await sleep(1_500);
    assert.equal(rcv.revocations.length, 1);
    assert.equal(rcv.received.length, 1);
    const [rev] = verifyAll(rcv.revocations, created.secret) as { subscription: Sub; reason: string }[];
    assert.equal(rev?.reason, 'gone');
    assert.deepEqual(Object.keys(rev ?? {}).sort(), ['reason', 'subscription']);
    assert.deepEqual(rev?.subscription, { ...created.subscription, status: 'DISABLED' });
    const res = await api(`${srv.url}/v1/bots/bot-rev/subscriptions/${created.subscription.id}/deliveries`, token);
    const attempts = (
      res.body as { attempts: { message_type: string; delivery_status: string; status_code: number }[] }
    ).attempts;
    assert.deepEqual(
      attempts.filter((a) => a.message_type === 'revocation').map((a) => [a.status_code, a.delivery_status]),
      [[500, 'failed']],
    );
  });

  test('failures exceeded: DISABLED and one revocation ("notification_failures_exceeded")', async () => {
    const rcv = await receiver();
    rcv.reply = () => ({ status: 500 });
    const created = await subscribe('bot-exceed', { target: rcv.url });
    await send([track('bot-exceed', 'x1')]);
    await waitStatus('bot-exceed', created.subscription.id, 'DISABLED');
    await rcv.waitFor(1, 5_000, rcv.revocations);
    await sleep(500);
    assert.equal(rcv.received.length, 4);
    assert.equal(rcv.revocations.length, 1);
    const [rev] = verifyAll(rcv.revocations, created.secret) as { subscription: Sub; reason: string }[];
    assert.equal(rev?.reason, 'notification_failures_exceeded');
    assert.equal(rev?.subscription.status, 'DISABLED');
  });

  test('bot_version narrows delivery to that version; absent = both', async () => {
    const draft = await receiver();
    const live = await receiver();
    const both = await receiver();
    const d = await subscribe('bot-ver', { target: draft.url, bot_version: 'DRAFT' });
    const l = await subscribe('bot-ver', { target: live.url, bot_version: 'LIVE' });
    const b = await subscribe('bot-ver', { target: both.url, bot_version: '' });
    assert.deepEqual(
      [d, l, b].map((x) => x.subscription.bot_version),
      ['DRAFT', 'LIVE', ''],
    );
    await send([
      track('bot-ver', 'v-d1', { version: 'DRAFT' }),
      track('bot-ver', 'v-l1', { version: 'LIVE' }),
      track('bot-ver', 'v-d2', { version: 'DRAFT' }),
    ]);
    await both.waitFor(3);
    await draft.waitFor(2);
    await live.waitFor(1);
    await sleep(500);
    assert.deepEqual(eventIds(draft.received), ['v-d1', 'v-d2']);
    assert.deepEqual(eventIds(live.received), ['v-l1']);
    assert.deepEqual(eventIds(both.received), ['v-d1', 'v-d2', 'v-l1']);
    const listed = await api(`${srv.url}/v1/bots/bot-ver/subscriptions`, token);
    assertMatchesSchema('Analytics_ListSubscriptions', listed.body);
    assert.deepEqual(
      (listed.body as { subscriptions: Sub[] }).subscriptions.map((s) => s.bot_version),
      ['DRAFT', 'LIVE', ''],
    );
  });

  test('a bad bot_version is a 400 naming it, nothing stored, nothing sent', async () => {
    const rcv = await receiver();
    await srv.services.bots.claim('bot-badver', TEAM);
    const before = await srv.services.db.selectFrom('subscriptions').select('id').execute();
    for (const v of ['draft', 'PROD', 'live ', 5, true, ['LIVE'], { v: 'LIVE' }]) {
      const res = await createRaw('bot-badver', { target: rcv.url, bot_version: v });
      assert.equal(res.status, 400, JSON.stringify(v));
      const body = res.body as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, /bot_version/, JSON.stringify(body));
    }
    const afterRows = await srv.services.db.selectFrom('subscriptions').select('id').execute();
    assert.equal(afterRows.length, before.length);
    await sleep(300);
    assert.equal(rcv.all.length, 0);
  });

  test("another team's bot answers 404: nothing stored, no challenge sent", async () => {
    const rcv = await receiver();
    await srv.services.bots.claim('bot-foreign', 'team-hs-other');
    const before = await srv.services.db.selectFrom('subscriptions').select('id').execute();
    const res = await createRaw('bot-foreign', { target: rcv.url, bot_version: 'LIVE' });
    assert.equal(res.status, 404);
    assert.equal((res.body as { code: number }).code, 5);
    await sleep(300);
    assert.equal(rcv.all.length, 0);
    const afterRows = await srv.services.db.selectFrom('subscriptions').select('id').execute();
    assert.equal(afterRows.length, before.length);
  });

  test('deleting a pending subscription stops its challenges', async () => {
    const rcv = await receiver();
    rcv.onChallenge = () => ({ status: 500 });
    const { subscription } = await subscribe('bot-del', { target: rcv.url });
    await rcv.waitFor(1, 5_000, rcv.challenges);
    const del = await api(`${srv.url}/v1/bots/bot-del/subscriptions/${subscription.id}`, token, { method: 'DELETE' });
    assert.equal(del.status, 200);
    await sleep(1_500);
    assert.equal(rcv.challenges.length, 1);
  });

  test('challenges go through the address guard too', async () => {
    const rcv = await receiver();
    const sender = new WebhookSender(false);
    const res = await sender.send(
      `https://localhost:${rcv.port}/hook`,
      Buffer.from('k'),
      'msg_c',
      '{"challenge":"x"}',
      'webhook_callback_verification',
      true,
    );
    await sender.close();
    assert.equal(res.ok, false);
    assert.match(res.error, /address guard/);
    assert.equal(rcv.all.length, 0);
  });
});

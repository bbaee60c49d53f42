/**
 * GET /metrics (issue 9): Prometheus text from a per-server registry, exposed with the
 * configured token on the main port and without auth on METRICS_PORT. Counters are read
 * before and after real ingest, queries and a failing webhook, and must move by exactly
 * what was done.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildServer } from '../../src/api/server.ts';
import { webhookPendingReader } from '../../src/metrics/webhook-pending.ts';
import { parsePromText, sample } from '../helpers/prom-text.ts';
import { api, freePort, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';
const TEAM = 'team-metrics';
const BOT = 'metrics-bot';
let srv: TestServer;
let metricsPort: number;
let token: string;

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return parsePromText(await res.text());
}

const message = (id: string) => ({
  id,
  type: 'message',
  timestamp: '2026-11-01T10:00:00Z',
  team_id: TEAM,
  bot_id: BOT,
  version: 'LIVE',
  user_id: 'u1',
  direction: 'user',
  kind: 'text',
  intent: 'hello',
});

before(async () => {
  metricsPort = await freePort();
  // Handshake off: the webhook test subscribes a closed port and counts delivery attempts.
  srv = await startTestServer({
    metricsToken: METRICS_TOKEN,
    metricsPort,
    webhookAllowPrivateTargets: true,
    webhookVerifyTargets: false,
  });
  token = await srv.token(TEAM);
});
after(async () => srv.close());

test('/metrics on the main port needs the configured token', async () => {
  for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${METRICS_TOKEN}`, `Bearer ${token}`]) {
    const res = await api(`${srv.url}/metrics`, undefined, auth ? { headers: { authorization: auth } } : {});
    assert.equal(res.status, 401, String(auth));
    assert.deepEqual(Object.keys(res.body as object).sort(), ['code', 'details', 'message']);
    assert.equal((res.body as { code: number }).code, 16);
  }
});

test('METRICS_PORT serves /metrics without auth, and nothing else', async () => {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const m = parsePromText(await res.text());
  assert.ok(m.has('process_resident_memory_bytes'));
  assert.ok(m.has('nodejs_eventloop_lag_p99_seconds'));
  const other = await fetch(`http://127.0.0.1:${metricsPort}/v1/echo`);
  assert.equal(other.status, 404);
  assert.equal(((await other.json()) as { code: number }).code, 5);
});

test('ingest, query and request counters move by what was done', async () => {
  const m0 = await scrape();
  assert.equal((await ingest(srv.url, token, [message('m1'), message('m2'), message('m3')])).status, 200);
  const again = await ingest(srv.url, token, [message('m3'), message('m4')]);
  assert.deepEqual(again.body, { accepted: 1, duplicates: 1 });
  assert.equal((await ingest(srv.url, token, [{ ...message('bad'), version: 'NOPE' }])).status, 400);
  const q = `${srv.url}/v1/bots/${BOT}/messages?version=LIVE&start_time=2026-11-01&end_time=2026-11-02`;
  for (let i = 0; i < 2; i++) assert.equal((await api(q, token)).status, 200);
  assert.equal((await api(`${srv.url}/healthz`, undefined)).status, 200);
  assert.equal((await api(`${srv.url}/v1/bots/secret-bot-name/nothing-here`, token)).status, 404);
  const m1 = await scrape();
  const moved = (key: string) => sample(m1, key) - sample(m0, key);

  assert.equal(moved('chatlayer_ingest_events_total{outcome="accepted"}'), 4);
  assert.equal(moved('chatlayer_ingest_events_total{outcome="duplicate"}'), 1);
  assert.equal(moved('chatlayer_ingest_requests_total{outcome="accepted"}'), 2);
  assert.equal(moved('chatlayer_ingest_requests_total{outcome="rejected"}'), 1);
  assert.equal(moved('chatlayer_http_requests_total{operation="Analytics_Ingest",status="200"}'), 2);
  assert.equal(moved('chatlayer_http_requests_total{operation="Analytics_Ingest",status="400"}'), 1);
  assert.equal(moved('chatlayer_http_requests_total{operation="Analytics_GetMessages",status="200"}'), 2);
  assert.equal(moved('chatlayer_http_request_duration_seconds_count{operation="Analytics_GetMessages"}'), 2);
  assert.equal(moved('chatlayer_analytics_query_duration_seconds_count{operation="Analytics_GetMessages"}'), 2);
  assert.equal(moved('chatlayer_http_requests_total{operation="/healthz",status="200"}'), 1);
  assert.equal(moved('chatlayer_http_requests_total{operation="unmatched",status="404"}'), 1);
  // Two flushes of 3 and 2 events (one a duplicate).
  assert.equal(moved('chatlayer_ingest_flush_events_count'), 2);
  assert.equal(moved('chatlayer_ingest_flush_events_sum'), 5);
  assert.equal(moved('chatlayer_ingest_flush_duration_seconds_count'), 2);
  assert.equal(sample(m1, 'chatlayer_ingest_queue_events'), 0);
  assert.equal(sample(m1, 'chatlayer_analytics_queries_running'), 0);
  // Labels are operationIds or route patterns, never the raw URL.
  for (const key of m1.keys()) assert.doesNotMatch(key, /secret-bot-name|metrics-bot/, key);
});

test('webhook attempts by outcome, and the pending deliveries of the store', async () => {
  const closedPort = await freePort(); // nothing listens there: every attempt fails
  const sub = await api(`${srv.url}/v1/bots/${BOT}/subscriptions`, token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      target: `http://127.0.0.1:${closedPort}/hook`,
      event_type: 'TRACKING_EVENT',
      version: 'v1',
    }),
  });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  const m0 = await scrape();
  const { direction: _d, kind: _k, intent: _i, ...common } = message('');
  const tracking = (id: string) => ({ ...common, id, type: 'tracking', event: 'signup', attributes: {} });
  const sent = await ingest(srv.url, token, [tracking('t1'), tracking('t2')]);
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  let m1 = m0;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    m1 = await scrape();
    if (sample(m1, 'chatlayer_webhook_delivery_attempts_total{outcome="retry"}') >= 2) break;
  }
  assert.equal(sample(m1, 'chatlayer_webhook_delivery_attempts_total{outcome="retry"}'), 2);
  assert.equal(sample(m1, 'chatlayer_webhook_delivery_attempts_total{outcome="delivered"}'), 0);
  // The gauge is cached for 5 s per scrape; the same reader uncached sees the store now.
  assert.ok(m1.has('chatlayer_webhook_deliveries_pending'));
  assert.equal(await webhookPendingReader(srv.services.db, 0)(), 2);
});

test('without METRICS_TOKEN /metrics on the main port is a 404 envelope; registries are per server', async () => {
  const config = { ...srv.services.config, metricsToken: undefined, metricsPort: undefined };
  const app = await buildServer({ ...srv.services, config }, { logLevel: 'silent' });
  try {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 5);
  } finally {
    await app.close();
  }
  // The first server still answers its own registry (no duplicate-name clash).
  assert.ok((await scrape()).has('chatlayer_http_requests_total{operation="/healthz",status="200"}'));
});

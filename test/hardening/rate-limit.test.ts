/**
 * Per-token rate limits (issue 9) with a tiny budget: 5 requests per 5 s window
 * (RATE_LIMIT_PER_SECOND=1, RATE_LIMIT_BURST=5). Past it 429 {code: 8} with Retry-After and
 * the RateLimit / RateLimit-Policy headers; ingest has its own budget; a refused ingest
 * stores nothing; requests without a valid token and health checks never count.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const TEAM = 'team-rl';
const BOT = 'rl-bot';
let srv: TestServer;

before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 5 });
  await srv.services.bots.claim(BOT, TEAM);
  // The first query of a fresh engine is slow; warmed up (on a token of its own), the 5
  // requests of a test fit well inside one 5-second window.
  assert.equal((await read(await srv.token(TEAM, ['read']))).status, 200);
});
after(async () => srv.close());

const read = (token: string) =>
  api(`${srv.url}/v1/bots/${BOT}/messages?version=LIVE&start_time=2026-11-01&end_time=2026-11-02`, token);

function remaining(headers: Headers, budget: string): { r: number; t: number } {
  const m = new RegExp(`^"${budget}";r=(\\d+);t=(\\d+)$`).exec(headers.get('ratelimit') ?? '');
  assert.ok(m, `RateLimit header: ${headers.get('ratelimit')}`);
  return { r: Number(m[1]), t: Number(m[2]) };
}

function assertRefused(res: { status: number; body: unknown; headers: Headers }, budget: string): void {
  assert.equal(res.status, 429);
  assert.deepEqual(Object.keys(res.body as object).sort(), ['code', 'details', 'message']);
  assert.equal((res.body as { code: number }).code, 8);
  const retryAfter = res.headers.get('retry-after') ?? '';
  assert.match(retryAfter, /^\d+$/);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 5, retryAfter);
  assert.equal(res.headers.get('ratelimit-policy'), `"${budget}";q=5;w=5`);
  assert.deepEqual(remaining(res.headers, budget), { r: 0, t: Number(retryAfter) });
}

async function storedIds(): Promise<string[]> {
  const rs = await srv.services.ch.query({
    query: 'SELECT id FROM events WHERE bot_id = {b:String} ORDER BY id',
    query_params: { b: BOT },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: string }>()).map((r) => r.id);
}

test('reads: 5 per window, the 6th is 429 with Retry-After and RateLimit headers', async () => {
  const token = await srv.token(TEAM, ['read']);
  for (let i = 0; i < 5; i++) {
    const res = await read(token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit-policy'), '"api";q=5;w=5');
    const { r, t } = remaining(res.headers, 'api');
    assert.equal(r, 4 - i);
    assert.ok(t >= 0 && t <= 5, String(t));
  }
  assertRefused(await read(token), 'api');
  // Health and readiness are never limited.
  for (let i = 0; i < 10; i++) {
    assert.equal((await api(`${srv.url}/healthz`, token)).status, 200);
    assert.equal((await api(`${srv.url}/readyz`, token)).status, 200);
  }
  // Another token of the same team has its own budget.
  assert.equal((await read(await srv.token(TEAM, ['read']))).status, 200);
});

test('ingest has its own budget; a refused ingest stores nothing', async () => {
  const token = await srv.token(TEAM, ['read', 'ingest']);
  for (let i = 0; i < 5; i++) assert.equal((await read(token)).status, 200);
  assertRefused(await read(token), 'api');
  const event = (id: string) => ({
    id,
    type: 'message',
    timestamp: '2026-11-01T10:00:00Z',
    team_id: TEAM,
    bot_id: BOT,
    version: 'LIVE',
    user_id: 'u1',
    direction: 'bot',
  });
  for (let i = 0; i < 5; i++) {
    const res = await ingest(srv.url, token, [event(`ok-${i}`)]);
    assert.equal(res.status, 200);
    assert.equal(remaining(res.headers, 'ingest').r, 4 - i);
  }
  assertRefused(await ingest(srv.url, token, [event('refused')]), 'ingest');
  assert.deepEqual(await storedIds(), ['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
});

test('requests without a valid token are not counted against the token', async () => {
  const token = await srv.token(TEAM, ['read']);
  const [id] = token.split(':');
  for (let i = 0; i < 10; i++) {
    const res = await read(`${id}:not-the-secret`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('ratelimit'), null);
  }
  const res = await read(token);
  assert.equal(res.status, 200);
  assert.equal(remaining(res.headers, 'api').r, 4);
});

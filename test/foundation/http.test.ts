import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listRoutes, loadApiDocument } from '../../src/api/openapi.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

const SEED_OPERATIONS = [
  'Analytics_GetFlowStepEdges',
  'Analytics_GetConversations',
  'Analytics_GetConversationsInsights',
  'Analytics_ListEventDefinitions',
  'Analytics_CreateEventDefinition',
  'Analytics_ListEvents',
  'Analytics_GetFlows',
  'Analytics_GetFlowStepDetails',
  'Analytics_GetIntents',
  'Analytics_GetIntentInsights',
  'Analytics_GetMessages',
  'Analytics_ListSubscriptions',
  'Analytics_CreateSubscription',
  'Analytics_DeleteSubscription',
  'Analytics_GetUsers',
  'Analytics_GetUserActivity',
  'Analytics_Echo',
  'Analytics_GetTeamConversationsUsage',
  'Analytics_GetVoiceAnalytics',
  'Analytics_GetTeamKnowledgeBaseUsage',
];

// Issue 2 §6: the whole API surface is routed from the OpenAPI document, errors use the
// envelope everywhere, and the operational endpoints answer.
describe('HTTP surface', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-http';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team);
  });
  after(async () => {
    await srv?.close();
  });

  test('unknown route → 404 envelope', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['POST', '/v1/nothing'],
      ['DELETE', '/v1/echo'],
    ] as const) {
      const res = await api(`${srv.url}${url}`, token, { method });
      assert.equal(res.status, 404, url);
      const env = res.body as Envelope;
      assert.equal(env.code, 5);
      assert.match(env.message, /no route/);
      assert.deepEqual(env.details, []);
    }
  });

  test('every seed operation is routed (never the unknown-route 404) for a valid token', async () => {
    const doc = loadApiDocument();
    const routes = listRoutes(doc);
    // Later issues add operations (our additions); every seed one and ingest must be there.
    const routed = new Set(routes.map((r) => r.operation.operationId));
    for (const op of [...SEED_OPERATIONS, 'Analytics_Ingest']) assert.ok(routed.has(op), op);
    const ownBot = 'bot-http';
    await srv.services.bots.claim(ownBot, team);
    for (const r of routes) {
      const url = r.url
        .replace(':bot_id', ownBot)
        .replace(':team_id', team)
        .replace(':version', 'LIVE')
        .replace(':step_id', 's1')
        .replace(':subscription_id', 'sub1');
      const qs = 'version=LIVE&start_time=2026-01-01&end_time=2026-01-02&bucket=1d&stat=COUNT&type=OUTGOING';
      const res = await api(`${srv.url}${url}?${qs}`, token, {
        method: r.method.toUpperCase(),
        ...(r.method === 'post' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
      });
      const env = res.body as Partial<Envelope>;
      assert.ok(!(res.status === 404 && /no route/.test(env.message ?? '')), `${r.method} ${url} is not routed`);
      if (res.status === 501) assert.equal(env.code, 12, r.operation.operationId);
      assert.ok(res.status < 500 || res.status === 501, `${r.operation.operationId}: ${res.status}`);
    }
  });

  test('/openapi.json has every seed path and operation, /v1/ingest and the timezone parameter', async () => {
    const res = await api(`${srv.url}/openapi.json`, undefined);
    assert.equal(res.status, 200);
    const doc = res.body as {
      paths: Record<string, Record<string, { operationId: string; parameters?: { name?: string; $ref?: string }[] }>>;
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const op of SEED_OPERATIONS) assert.ok(ops.includes(op), op);
    assert.ok(doc.paths['/v1/ingest']?.post, '/v1/ingest is documented');
    const conv = doc.paths['/v1/bots/{bot_id}/conversations']?.get;
    const names = JSON.stringify(conv?.parameters ?? []);
    assert.match(names, /timezone/i);
  });

  test('/docs answers HTML; /healthz and /readyz answer 200 without a token', async () => {
    const docs = await fetch(`${srv.url}/docs`, { redirect: 'follow' });
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await docs.text(), /<html/i);
    for (const path of ['/healthz', '/readyz']) {
      const res = await api(`${srv.url}${path}`, undefined);
      assert.equal(res.status, 200, path);
    }
  });

  test('POST /v1/echo returns the message and needs a token', async () => {
    const body = JSON.stringify({ message: 'héllo' });
    const ok = await api(`${srv.url}/v1/echo`, token, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { message: 'héllo' });
    const anon = await api(`${srv.url}/v1/echo`, undefined, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(anon.status, 401);
    assert.equal((anon.body as Envelope).code, 16);
  });

  test('malformed JSON body on a JSON route → 400 envelope', async () => {
    const res = await api(`${srv.url}/v1/echo`, token, {
      method: 'POST',
      body: '{"message": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400);
    assert.equal((res.body as Envelope).code, 3);
  });

  test('a missing required query parameter → 400 {code: 3} naming it', async () => {
    await srv.services.bots.claim('bot-param', team);
    const res = await api(`${srv.url}/v1/bots/bot-param/messages?version=LIVE&end_time=2026-01-02`, token);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal((res.body as Envelope).code, 3);
    assert.match((res.body as Envelope).message, /start_time/);
  });
});

// Analytics answers leave through JSON.stringify (issue 9: the schema serializer blocked the
// event loop); Fastify then sets no content-type by itself. Every answer must still say JSON.
describe('content type of answers', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-ctype';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team);
    const res = await fetch(`${srv.url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          type: 'message',
          timestamp: '2026-11-02T10:00:00Z',
          team_id: team,
          bot_id: 'ctype-bot',
          version: 'LIVE',
          user_id: 'u1',
          direction: 'user',
          kind: 'text',
          intent: 'hello',
        },
      ]),
    });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await srv?.close();
  });

  test('200 and 4xx answers of analytics, ingest and unknown routes are application/json', async () => {
    const range = 'version=LIVE&start_time=2026-11-01&end_time=2026-11-03';
    for (const [url, status] of [
      [`/v1/bots/ctype-bot/conversations?${range}&bucket=1d`, 200],
      [`/v1/bots/ctype-bot/messages?${range}`, 200],
      [`/v1/bots/ctype-bot/conversations?${range}&timezone=Nowhere/Else`, 400],
      [`/v1/bots/ctype-bot/users?version=LIVE&start_time=2026-11-03&end_time=2026-11-01`, 400],
      ['/v1/bots/other-bot/messages?version=LIVE', 404],
      ['/nope', 404],
    ] as const) {
      const res = await fetch(`${srv.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, status, url);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, url);
      await res.json();
    }
  });
});

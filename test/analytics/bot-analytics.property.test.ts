import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { draftArb, paramsArb, queryOf, toEvent } from '../helpers/property-events.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  buildModel,
  getIntents,
  type IntentsBody,
  type Model,
  type Query,
  REFERENCE_ENDPOINTS,
  rankIntents,
} from '../reference/endpoints.ts';

// Random event sets ingested through /v1/ingest into a fresh bot per run, every
// endpoint of issue 3 compared field by field with the reference (test/reference).
let srv: TestServer;
let token: string;
const TEAM = 'team-prop';
let run = 0;

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
});
after(async () => srv.close());

async function get(bot: string, path: string, q: Query): Promise<unknown> {
  const search = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
  const r = await api(`${srv.url}/v1/bots/${bot}${path}?${search}`, token);
  assert.equal(r.status, 200, `${path}?${search} → ${JSON.stringify(r.body)}`);
  return r.body;
}

async function compareSeries(model: Model, bot: string, op: keyof typeof REFERENCE_ENDPOINTS, path: string, q: Query) {
  const body = await get(bot, path, q);
  assertMatchesSchema(op, body);
  assert.deepEqual(body, REFERENCE_ENDPOINTS[op](model, { bot_id: bot }, q), `${op} ${JSON.stringify(q)}`);
}

/** Follows cursors forward then backward; each page is compared with the reference page at the same rank. */
async function compareIntents(model: Model, bot: string, q: Query, size: number) {
  const path = { bot_id: bot };
  const full = rankIntents(model, path, q);
  const seen: unknown[] = [];
  let cursor: string | undefined;
  let lastRank = 0;
  for (let guard = 0; guard < 50; guard++) {
    const pq: Query = { ...q, first: String(size), ...(cursor ? { after: cursor } : {}) };
    const body = (await get(bot, '/intents', pq)) as IntentsBody;
    assertMatchesSchema('Analytics_GetIntents', body);
    const ref = getIntents(model, path, { ...q, first: String(size), ...(cursor ? { after: String(lastRank) } : {}) });
    assert.deepEqual(body.data, ref.data);
    assert.equal(body.pagination.has_more, ref.pagination.has_more);
    assert.equal(body.pagination.start_cursor === '', ref.pagination.start_cursor === '');
    seen.push(...body.data);
    if (!body.pagination.has_more) break;
    cursor = body.pagination.end_cursor;
    lastRank = body.data.at(-1)?.rank ?? 0;
  }
  assert.deepEqual(seen, full);
  // Backward from the end.
  const back: unknown[] = [];
  cursor = undefined;
  let firstRank = 0;
  for (let guard = 0; guard < 50; guard++) {
    const pq: Query = { ...q, last: String(size), ...(cursor ? { before: cursor } : {}) };
    const body = (await get(bot, '/intents', pq)) as IntentsBody;
    const ref = getIntents(model, path, { ...q, last: String(size), ...(cursor ? { before: String(firstRank) } : {}) });
    assert.deepEqual(body.data, ref.data);
    assert.equal(body.pagination.has_more, ref.pagination.has_more);
    back.unshift(...body.data);
    if (!body.pagination.has_more) break;
    cursor = body.pagination.start_cursor;
    firstRank = body.data[0]?.rank ?? 0;
  }
  assert.deepEqual(back, full);
}

test('bot analytics endpoints agree with the reference on random event sets', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(draftArb, { minLength: 1, maxLength: 50 }),
      fc.array(draftArb, { maxLength: 8 }),
      paramsArb,
      async (drafts, draftOther, p) => {
        run += 1;
        const bot = `bot-p${run}`;
        // Most events on LIVE, a few on DRAFT of the same bot (must not leak into LIVE answers).
        const events = [
          ...drafts.map((d) => toEvent(d, p.base, TEAM, bot, 'LIVE')),
          ...draftOther.map((d) => toEvent(d, p.base, TEAM, bot, 'DRAFT')),
        ];
        const res = await ingest(srv.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        assert.deepEqual(res.body, { accepted: model.accepted, duplicates: model.duplicates });

        const q = queryOf(p, 'LIVE');
        await compareSeries(model, bot, 'Analytics_GetConversations', '/conversations', q);
        if (p.groupBy) {
          await compareSeries(model, bot, 'Analytics_GetConversations', '/conversations', {
            ...q,
            group_by: p.groupBy,
          });
        }
        const noBucket = { ...q };
        delete noBucket.bucket;
        for (const stat of ['num_messages', 'duration_seconds', 'num_conversations']) {
          await compareSeries(model, bot, 'Analytics_GetConversationsInsights', '/conversations/insights', {
            ...noBucket,
            stat,
          });
        }
        await compareSeries(model, bot, 'Analytics_GetMessages', '/messages', q);
        await compareSeries(model, bot, 'Analytics_GetUsers', '/users', q);
        await compareSeries(model, bot, 'Analytics_GetUserActivity', '/users/activity', noBucket);
        await compareSeries(model, bot, 'Analytics_GetIntentInsights', '/intents/insights', q);
        await compareIntents(model, bot, q, p.page);
      },
    ),
    { numRuns: 40 },
  );
});

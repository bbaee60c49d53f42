import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  buildModel,
  getIntents,
  type IntentsBody,
  type Model,
  type Query,
  REFERENCE_ENDPOINTS,
  type RefEvent,
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

const MIN = 60_000;
const HOUR = 60 * MIN;
// Five-day windows around DST changes: US spring (03-08), EU spring (03-29), EU autumn (10-25), US autumn (11-01).
const BASES = ['2026-03-06T00:00:00Z', '2026-03-27T00:00:00Z', '2026-10-23T00:00:00Z', '2026-10-30T00:00:00Z'].map(
  (s) => Date.parse(s),
);
const SPAN_QUARTERS = 5 * 24 * 4;

// Offsets on a 15-minute grid (equal timestamps, range boundaries, exact session gaps), nudged by ±1 ms sometimes.
const offsetArb = fc
  .tuple(fc.integer({ min: 0, max: SPAN_QUARTERS }), fc.constantFrom(0, 0, 0, 1, -1, 5 * MIN, 14 * MIN + 59_999))
  .map(([q, d]) => Math.max(0, q * 15 * MIN + d));

interface Draft {
  offset: number;
  type: 'message' | 'step' | 'tracking';
  user: string;
  channel: string | undefined;
  language: string | undefined;
  conversation: string | undefined;
  id: string | undefined;
  direction: 'user' | 'bot';
  kind: 'text' | 'button' | 'media';
  intent: string | null;
}

const draftArb: fc.Arbitrary<Draft> = fc.record({
  offset: offsetArb,
  type: fc.constantFrom('message', 'message', 'message', 'step', 'tracking'),
  user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  channel: fc.constantFrom('web', 'whatsapp', undefined),
  language: fc.constantFrom('en', 'nl', 'fr', undefined),
  conversation: fc.constantFrom(undefined, undefined, undefined, undefined, 'c1', 'c2'),
  id: fc.constantFrom(undefined, undefined, 'e1', 'e2', 'e3'),
  direction: fc.constantFrom('user', 'user', 'bot'),
  kind: fc.constantFrom('text', 'text', 'text', 'button', 'media'),
  intent: fc.constantFrom('greet', 'bye', 'help', 'order', 'faq', 'zed', null),
});

function toEvent(d: Draft, base: number, bot: string, version: 'LIVE' | 'DRAFT'): RefEvent {
  const e: RefEvent = {
    type: d.type,
    timestamp: new Date(base + d.offset).toISOString(),
    team_id: TEAM,
    bot_id: bot,
    version,
    user_id: d.user,
  };
  if (d.channel !== undefined) e.channel_type = d.channel;
  if (d.language !== undefined) e.language = d.language;
  if (d.conversation !== undefined) e.conversation_id = d.conversation;
  if (d.id !== undefined) e.id = d.id;
  if (d.type === 'message') {
    e.direction = d.direction;
    if (d.direction === 'user') {
      e.kind = d.kind;
      if (d.kind === 'text') e.intent = d.intent;
    }
  } else if (d.type === 'step') {
    e.step_id = `s-${d.intent ?? 'x'}`;
    e.step_type = 'bot_dialog';
  } else {
    e.event = 'clicked';
    e.attributes = { a: 1 };
  }
  return e;
}

interface Params {
  base: number;
  startQuarter: number;
  hours: number;
  dateOnly: boolean;
  bucket: string | undefined;
  timezone: string;
  channel: string | undefined;
  language: string | undefined;
  groupBy: string | undefined;
  page: number;
}

const paramsArb: fc.Arbitrary<Params> = fc.record({
  base: fc.constantFrom(...BASES),
  startQuarter: fc.integer({ min: 0, max: 3 * 24 * 4 }),
  hours: fc.integer({ min: 1, max: 9 * 24 }),
  dateOnly: fc.boolean(),
  bucket: fc.constantFrom(undefined, '1h', '1d', '1d', '1w'),
  timezone: fc.constantFrom('UTC', 'Europe/Brussels', 'America/New_York', 'Asia/Kolkata'),
  channel: fc.constantFrom(undefined, undefined, 'web', 'web,whatsapp', 'unknown'),
  language: fc.constantFrom(undefined, undefined, 'en', 'nl,fr', 'unknown'),
  groupBy: fc.constantFrom(undefined, 'channel_type', 'language'),
  page: fc.integer({ min: 1, max: 4 }),
});

const NOMINAL: Record<string, number> = { '1h': HOUR, '1d': 24 * HOUR, '1w': 7 * 24 * HOUR };

function queryOf(p: Params, version: string): Query {
  let start = p.base + p.startQuarter * 15 * MIN;
  let end = start + p.hours * HOUR;
  const q: Query = { version, timezone: p.timezone };
  if (p.dateOnly) {
    // Local dates in the request zone (midnight there): whole days covering the range.
    const fmt = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: p.timezone }).format(new Date(ms));
    q.start_time = fmt(start);
    q.end_time = fmt(end + 24 * HOUR);
    start = Date.parse(`${q.start_time}T00:00:00Z`);
    end = Date.parse(`${q.end_time}T00:00:00Z`);
  } else {
    q.start_time = new Date(start).toISOString();
    q.end_time = new Date(end).toISOString();
  }
  // Keep only valid buckets: shorter than the range (nominal length, §7).
  if (
    p.bucket !== undefined &&
    NOMINAL[p.bucket] !== undefined &&
    (NOMINAL[p.bucket] as number) < end - start - 2 * HOUR
  ) {
    q.bucket = p.bucket;
  }
  if (p.channel !== undefined) q.channel_type = p.channel;
  if (p.language !== undefined) q.language = p.language;
  return q;
}

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
          ...drafts.map((d) => toEvent(d, p.base, bot, 'LIVE')),
          ...draftOther.map((d) => toEvent(d, p.base, bot, 'DRAFT')),
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

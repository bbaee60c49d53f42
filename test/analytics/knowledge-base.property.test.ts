/**
 * Property test of the knowledge-base reads (CONTRACT-LIVE-API §5): random kb_query
 * events (answered or not, tags from a small pool with repeats inside one query and
 * sometimes more than 100 distinct tags, channels, languages, both versions, two bots,
 * timestamps on a 15-minute grid nudged by ±1 ms around the range edges) plus some
 * messages that must not count, posted to /v1/ingest; the whole answers of the bot
 * usage, the bot tags and the v1 team path equal the reference (test/reference) and
 * match the document's schema, in UTC, Asia/Kolkata (+05:30), Brussels and New York.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { buildModel, type Query, REFERENCE_ENDPOINTS, type RefEvent } from '../reference/endpoints.ts';

let srv: TestServer;
let run = 0;

before(async () => {
  srv = await startTestServer();
});
after(async () => srv.close());

const MIN = 60_000;
const QUARTER = 15 * MIN;
const DAY = 86_400_000;
// Four days around the EU autumn DST change (2026-10-25) and a month end.
const BASE = Date.parse('2026-10-23T00:00:00Z');
const SPAN_QUARTERS = 4 * 24 * 4;
const ZONES = ['UTC', 'Asia/Kolkata', 'Europe/Brussels', 'America/New_York'];

const offsetArb = fc
  .tuple(fc.integer({ min: -8, max: SPAN_QUARTERS + 8 }), fc.constantFrom(0, 0, 0, 1, -1, 30 * MIN))
  .map(([q, d]) => q * QUARTER + d);

// Fixed tags (code-point order traps: upper before lower, U+FF21 before an astral
// character although UTF-16 sorts them the other way) and 130 numbered ones, so a
// run can hold more than 100 distinct tags.
const tagArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('faq', 'billing', 'B', 'a', 'é', '\uFF21', '\u{1F600}', 'x'.repeat(128)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 129 }).map((n) => `t${String(n).padStart(3, '0')}`) },
);

interface Draft {
  offset: number;
  kb: boolean;
  bot: number;
  draft: boolean;
  answered: boolean;
  tags: string[] | undefined;
  channel: string | undefined;
  language: string | undefined;
}

const draftArb: fc.Arbitrary<Draft> = fc.record({
  offset: offsetArb,
  kb: fc.constantFrom(true, true, true, true, false),
  bot: fc.integer({ min: 0, max: 1 }),
  draft: fc.constantFrom(false, false, true),
  answered: fc.boolean(),
  tags: fc.option(fc.array(tagArb, { maxLength: 20 }), { nil: undefined }),
  channel: fc.constantFrom('web', 'whatsapp', undefined),
  language: fc.constantFrom('en', 'nl', undefined),
});

function toEvent(d: Draft, team: string): RefEvent {
  const e: RefEvent = {
    type: 'kb_query',
    timestamp: new Date(BASE + d.offset).toISOString(),
    team_id: team,
    bot_id: `${team}-b${d.bot}`,
    version: d.draft ? 'DRAFT' : 'LIVE',
  };
  if (d.channel !== undefined) e.channel_type = d.channel;
  if (d.language !== undefined) e.language = d.language;
  if (!d.kb) return { ...e, type: 'message', user_id: 'u1', direction: 'user', kind: 'text', intent: null };
  e.answered = d.answered;
  if (d.tags !== undefined) e.tags = d.tags;
  return e;
}

/**
 * Sometimes a burst of LIVE queries on bot 0 with 20 distinct tags each over the first
 * two days, so the 100-tag cut and ties at its edge are exercised.
 */
const bulkArb: fc.Arbitrary<Draft[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Draft[]>([]) },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.record({
        offset: fc.integer({ min: 0, max: 2 * 96 }).map((q) => q * QUARTER),
        kb: fc.constant(true),
        bot: fc.constant(0),
        draft: fc.constant(false),
        answered: fc.boolean(),
        tags: fc
          .uniqueArray(fc.integer({ min: 0, max: 199 }), { minLength: 20, maxLength: 20 })
          .map((ns) => ns.map((n) => `t${String(n).padStart(3, '0')}`)),
        channel: fc.constant(undefined),
        language: fc.constant(undefined),
      }),
      { minLength: 6, maxLength: 12 },
    ),
  },
);

interface Ask {
  zone: string;
  dateOnly: boolean;
  start: number;
  length: number;
  bucket: string;
  teamBucket: string;
  draft: boolean;
  channel: string;
  language: string;
}

const askArb: fc.Arbitrary<Ask> = fc.record({
  zone: fc.constantFrom(...ZONES),
  dateOnly: fc.boolean(),
  // Quarters from BASE; date-only ranges use whole days instead.
  start: fc.integer({ min: -4, max: SPAN_QUARTERS }),
  length: fc.integer({ min: 1, max: SPAN_QUARTERS }),
  bucket: fc.constantFrom('', '1h', '1d', '1w'),
  teamBucket: fc.constantFrom('1d', '1w', '1m'),
  draft: fc.boolean(),
  channel: fc.constantFrom('', 'web', 'whatsapp,unknown', ' web , nl'),
  language: fc.constantFrom('', 'en', 'nl,unknown'),
});

const WHOLE: Ask = {
  zone: 'UTC',
  dateOnly: false,
  start: -8,
  length: SPAN_QUARTERS + 16,
  bucket: '1d',
  teamBucket: '1d',
  draft: false,
  channel: '',
  language: '',
};

const NOMINAL: Record<string, number> = { '1h': 3_600_000, '1d': DAY, '1w': 7 * DAY, '1m': 28 * DAY };
/** A bucket the range cannot hold is a 400 (tested elsewhere): fall back to a fitting one. */
const fit = (bucket: string, spanMs: number, fallback: string): string =>
  bucket === '' || (NOMINAL[bucket] ?? 0) < spanMs ? bucket : fallback;

function timeParams(a: Ask): { q: Query; spanMs: number } {
  if (a.dateOnly) {
    const day0 = Math.floor(a.start / 96);
    const days = Math.max(1, Math.ceil(a.length / 96));
    const date = (d: number) => new Date(BASE + d * DAY).toISOString().slice(0, 10);
    // Local days are 23 to 25 h: take the shortest so a fitting bucket stays shorter.
    return {
      q: { start_time: date(day0), end_time: date(day0 + days), timezone: a.zone },
      spanMs: days * DAY - 3_600_000,
    };
  }
  const startMs = BASE + a.start * QUARTER;
  const endMs = startMs + a.length * QUARTER;
  return {
    q: { start_time: new Date(startMs).toISOString(), end_time: new Date(endMs).toISOString(), timezone: a.zone },
    spanMs: endMs - startMs,
  };
}

async function call(op: string, path: string, token: string, q: Query): Promise<unknown> {
  const qs = new URLSearchParams(q as Record<string, string>).toString();
  const res = await api(`${srv.url}${path}?${qs}`, token);
  assert.equal(res.status, 200, `${op} ${qs}: ${JSON.stringify(res.body)}`);
  assertMatchesSchema(op, res.body);
  return res.body;
}

test('knowledge-base usage, tags and the v1 team path equal the reference on random events', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(draftArb, { minLength: 1, maxLength: 60 }),
      fc.array(askArb, { minLength: 1, maxLength: 3 }),
      bulkArb,
      async (drafts, asks, bulk) => {
        const team = `kbp${++run}`;
        const token = await srv.token(team);
        const events = [...drafts, ...bulk].map((d) => toEvent(d, team));
        const res = await ingest(srv.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        // The whole window of bot 0, LIVE, unfiltered: where a burst passes 100 tags.
        const whole: Ask = { ...WHOLE, zone: asks[0]?.zone ?? 'UTC' };
        for (const a of [...asks, whole]) {
          const { q: time, spanMs } = timeParams(a);
          const filters: Query = { channel_type: a.channel, language: a.language };
          const botQuery: Query = { ...time, ...filters, version: a.draft ? 'DRAFT' : 'LIVE' };
          const calls: [string, string, Record<string, string>, Query][] = [];
          // Only bots some event claimed: an unclaimed bot is a 404 (tested elsewhere).
          for (const bot of new Set(events.map((e) => e.bot_id))) {
            calls.push([
              'Analytics_GetKnowledgeBaseUsage',
              `/v1/bots/${bot}/knowledge_base`,
              { bot_id: bot },
              { ...botQuery, bucket: fit(a.bucket, spanMs, '') },
            ]);
            // A bucket sent to the tags endpoint (not a parameter there) changes nothing.
            calls.push([
              'Analytics_GetKnowledgeBaseTagsInsights',
              `/v1/bots/${bot}/knowledge_base/tags`,
              { bot_id: bot },
              { ...botQuery, bucket: a.bucket },
            ]);
          }
          calls.push([
            'Analytics_GetTeamKnowledgeBaseUsageV1',
            `/v1/teams/${team}/knowledge_base`,
            { team_id: team },
            { ...time, ...filters, bucket: fit(a.teamBucket, spanMs, '1h') },
          ]);
          for (const [op, path, pathParams, params] of calls) {
            const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')) as Query;
            if (op === 'Analytics_GetTeamKnowledgeBaseUsageV1' && clean.bucket === '1h') continue; // range too short
            const real = await call(op, path, token, clean);
            const ref = REFERENCE_ENDPOINTS[op as keyof typeof REFERENCE_ENDPOINTS];
            assert.deepEqual(real, ref(model, pathParams, clean), `${op} ${path} ${JSON.stringify(clean)}`);
          }
        }
      },
    ),
    { numRuns: 25 },
  );
});

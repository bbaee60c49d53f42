/**
 * Property test: both funnel operations answer exactly what the reference
 * (test/reference/funnels.ts, written from CONTRACT-LIVE-API §3 only) computes, on random
 * event sets ingested through /v1/ingest into a fresh bot per run.
 *
 * Events: users with tracking events of four names, string/number/boolean attributes
 * (sometimes absent), equal timestamps (ingest order decides), repeats, events before and
 * after the range, the other version, posting out of time order. Flows: conversations
 * with step sequences incl. cycles and repeats, starting inside and outside the range,
 * supplied and generated ids. Funnels: 1–5 steps incl. repeated steps, unknown ids and
 * definition ids, step and top-level filters of every operator and type, both order
 * types, with and without breakdown ($ fields included).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { FILTER_OPERATORS } from '../../src/analytics/attribute-filters.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import type { RefAttributes, RefEvent } from '../reference/events.ts';
import type { RefFilter } from '../reference/filters.ts';
import {
  computeEventsFunnel,
  computeFlowFunnel,
  type RefFunnelAnswer,
  type RefFunnelBody,
  type RefFunnelStep,
} from '../reference/funnels.ts';
import { buildModel } from '../reference/model.ts';

let server: TestServer;
let token: string;
let run = 0;
const RUNS = Number(process.env.FUNNEL_RUNS ?? 20);

const BASE = Date.parse('2026-10-05T00:00:00Z');
const MIN = 60_000;
const NAMES = ['view', 'signup', 'buy', 'share'];
const STEPS = ['A', 'B', 'C', 'D'];
const VALUES = ['pro', 'free', 'PRO', 'ro', '1', '1.0', '2.5', '10', 'true', 'FALSE', 'u1', 'web', 'spring', 'nl', ''];

const rangeArb = fc.record({
  start_time: fc.constantFrom('2026-10-05', '2026-10-05T06:00:00Z'),
  end_time: fc.constantFrom('2026-10-06', '2026-10-05T18:00:00+02:00'),
  timezone: fc.constantFrom(undefined, 'Europe/Brussels', 'America/New_York'),
});

function filterArb(keys: readonly string[]): fc.Arbitrary<RefFilter> {
  return fc.record(
    {
      key: fc.constantFrom(...keys),
      operator: fc.constantFrom(...FILTER_OPERATORS),
      type: fc.constantFrom('string', 'number', 'boolean'),
      value: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['key', 'operator', 'value'] },
  );
}

/** Mostly no filter: random filters reject most events, which would leave little to count. */
const fewFilters = (keys: readonly string[]) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant<RefFilter[]>([]) },
    { weight: 1, arbitrary: fc.array(filterArb(keys), { minLength: 1, maxLength: 2 }) },
  );

function funnelArb(ids: readonly string[], keys: readonly string[], breakdowns: readonly string[]) {
  const stepArb = fc.record(
    {
      order: fc.integer({ min: 0, max: 3 }),
      event_id: fc.constantFrom(...ids),
      properties: fewFilters(keys),
    },
    { requiredKeys: ['order', 'event_id'] },
  );
  return fc.record(
    {
      steps: fc.array(stepArb, { minLength: 1, maxLength: 5 }),
      order_type: fc.constantFrom<'sequential' | 'strict'>('sequential', 'strict'),
      breakdown_property: fc.constantFrom(...breakdowns),
      properties: fewFilters(keys),
      version: fc.constantFrom('LIVE', 'LIVE', 'DRAFT'),
    },
    { requiredKeys: ['steps', 'version'] },
  );
}

async function post(url: string, body: unknown, operationId: string): Promise<RefFunnelAnswer> {
  const res = await api(`${server.url}${url}`, token, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200, `${url} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
  assertMatchesSchema(operationId, res.body);
  return res.body as RefFunnelAnswer;
}

function withoutUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

before(async () => {
  server = await startTestServer();
  token = await server.token('tp');
});
after(async () => {
  await server.close();
});

// ── events funnel ──

interface Tracked {
  user: number;
  name: number;
  /** Minutes from BASE; negative or past 24 h = outside the usual range. */
  min: number;
  /** 0 = same timestamp as the previous event of the list. */
  sameAsPrevious: boolean;
  attributes: RefAttributes;
  channel: string | undefined;
  campaign: string | undefined;
  draft: boolean;
}

const attributesArb: fc.Arbitrary<RefAttributes> = fc.record(
  {
    plan: fc.constantFrom('pro', 'free', 'PRO', ''),
    n: fc.constantFrom(1, 2.5, 10, -3),
    flag: fc.boolean(),
    note: fc.constantFrom('1.0', 'true', 'u1'),
  },
  { requiredKeys: [] },
);

const trackedArb: fc.Arbitrary<Tracked> = fc.record({
  user: fc.nat({ max: 2 }),
  // Mostly the first two names, so runs and repeats of them are common.
  name: fc.constantFrom(0, 0, 0, 1, 1, 2, 3),
  // Mostly 07:00–07:30Z, inside every range the test asks for; sometimes anywhere.
  min: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 420, max: 450 }) },
    { weight: 1, arbitrary: fc.integer({ min: -600, max: 2000 }) },
  ),
  sameAsPrevious: fc.constantFrom(false, false, true),
  attributes: attributesArb,
  channel: fc.constantFrom(undefined, 'web', 'whatsapp'),
  campaign: fc.constantFrom(undefined, 'spring', 'fall'),
  draft: fc.constantFrom(false, false, false, true),
});

function trackingEvents(bot: string, list: Tracked[]): RefEvent[] {
  let prev = BASE;
  return list.map((t) => {
    const ms = t.sameAsPrevious ? prev : BASE + t.min * MIN + 7_000;
    prev = ms;
    return withoutUndefined({
      type: 'tracking',
      timestamp: new Date(ms).toISOString(),
      team_id: 'tp',
      bot_id: bot,
      version: t.draft ? 'DRAFT' : 'LIVE',
      user_id: `u${t.user}`,
      // Supplied ids, so `$conversation_id` has a value the reference knows.
      conversation_id: `cv-u${t.user}`,
      channel_type: t.channel,
      campaign_id: t.campaign,
      event: NAMES[t.name] as string,
      attributes: t.attributes,
    }) as RefEvent;
  });
}

const EVENT_KEYS = [
  'plan',
  'n',
  'flag',
  'note',
  'missing',
  '$channel_type',
  '$language',
  '$campaign_id',
  '$campaign_source',
  '$user_id',
  '$conversation_id',
];

test('events funnel matches the reference on random tracking events', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(trackedArb, { minLength: 1, maxLength: 40 }),
      fc.boolean(),
      fc.array(
        funnelArb(['view', 'view', 'signup', 'signup', 'buy', 'share', 'nope', 'DEF:buy', 'DEF:view'], EVENT_KEYS, [
          '',
          'plan',
          'plan',
          'n',
          'flag',
          'missing',
          '$channel_type',
          '$campaign_id',
          '$user_id',
          '$conversation_id',
        ]),
        { minLength: 1, maxLength: 4 },
      ),
      rangeArb,
      async (tracked, reverse, funnels, range) => {
        run += 1;
        const bot = `fe${run}-${Date.now().toString(36)}`;
        let events = trackingEvents(bot, tracked);
        if (reverse) events = [...events].reverse();
        const res = await ingest(server.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        // Definition ids as the service lists them (the reference knows ids only from there).
        const defs = await api(`${server.url}/v1/bots/${bot}/events/definitions?page_size=100`, token);
        const list = (defs.body as { event_definitions: { id: string; event: string }[] }).event_definitions;
        const idOf = new Map(list.map((d) => [d.event, d.id]));
        const byId = new Map(list.map((d) => [d.id, d.event]));
        for (const f of funnels) {
          const steps: RefFunnelStep[] = f.steps.map((s) => ({
            ...s,
            event_id: s.event_id.startsWith('DEF:')
              ? (idOf.get(s.event_id.slice(4)) ?? 'evd_000000000000000000000000')
              : s.event_id,
          }));
          const body = withoutUndefined({ ...f, ...range, steps }) as RefFunnelBody;
          const got = await post(`/v1/bots/${bot}/events/funnel`, body, 'Analytics_ComputeEventsFunnel');
          assert.deepEqual(got, computeEventsFunnel(model, bot, body, byId), JSON.stringify(body));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

// ── flow funnel ──

interface Session {
  user: number;
  channel: string | undefined;
  language: string | undefined;
  campaign: string | undefined;
  source: string | undefined;
  startMin: number;
  supplied: boolean;
  draft: boolean;
  items: { kind: 'step' | 'message'; step: number; gapSec: number }[];
}

const sessionArb: fc.Arbitrary<Session> = fc.record({
  user: fc.nat({ max: 3 }),
  channel: fc.constantFrom(undefined, 'web', 'whatsapp'),
  language: fc.constantFrom(undefined, 'en', 'nl'),
  campaign: fc.constantFrom(undefined, 'spring', 'fall'),
  source: fc.constantFrom(undefined, 'mail', 'ads'),
  // Half the sessions start a few minutes before one of the ranges' starts (UTC, Brussels and
  // New York midnight, 06:00Z), so conversations straddle the start: begun before the range,
  // with steps inside it, they are not actors.
  startMin: fc.oneof(fc.integer({ min: -240, max: 26 * 60 }), fc.constantFrom(-122, -2, 238, 358)),
  supplied: fc.constantFrom(false, true, true),
  draft: fc.constantFrom(false, false, false, true),
  items: fc.array(
    fc.record({
      kind: fc.constantFrom<'step' | 'message'>('step', 'step', 'step', 'message'),
      step: fc.nat({ max: STEPS.length - 1 }),
      gapSec: fc.constantFrom(0, 0, 1, 30, 120),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

function flowEvents(bot: string, sessions: Session[]): RefEvent[] {
  const out: RefEvent[] = [];
  sessions.forEach((s, si) => {
    let t = BASE + s.startMin * MIN;
    for (const it of s.items) {
      t += it.gapSec * 1000;
      const common = withoutUndefined({
        timestamp: new Date(t).toISOString(),
        team_id: 'tp',
        bot_id: bot,
        version: s.draft ? 'DRAFT' : 'LIVE',
        user_id: `u${s.user}`,
        channel_type: s.channel,
        language: s.language,
        campaign_id: s.campaign,
        campaign_source: s.source,
        ...(s.supplied ? { conversation_id: `conv-${si}` } : {}),
      });
      out.push(
        it.kind === 'step'
          ? ({ ...common, type: 'step', step_id: STEPS[it.step] as string, step_type: 'bot_dialog' } as RefEvent)
          : ({ ...common, type: 'message', direction: 'user', kind: 'text', intent: null } as RefEvent),
      );
    }
  });
  return out;
}

const FLOW_KEYS = [
  'channel_type',
  '$channel_type',
  'language',
  '$language',
  'campaign_id',
  '$campaign_id',
  'campaign_source',
  '$campaign_source',
];

test('flow funnel matches the reference on random conversations', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(sessionArb, { minLength: 1, maxLength: 8 }),
      fc.array(funnelArb([...STEPS, 'Z'], FLOW_KEYS, ['', ...FLOW_KEYS]), { minLength: 1, maxLength: 4 }),
      rangeArb,
      async (sessions, funnels, range) => {
        run += 1;
        const bot = `ff${run}-${Date.now().toString(36)}`;
        const events = flowEvents(bot, sessions);
        const res = await ingest(server.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        for (const f of funnels) {
          const body = withoutUndefined({ ...f, ...range }) as RefFunnelBody;
          const got = await post(`/v1/bots/${bot}/flows/funnel`, body, 'Analytics_ComputeFlowFunnel');
          assert.deepEqual(got, computeFlowFunnel(model, bot, body), JSON.stringify(body));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

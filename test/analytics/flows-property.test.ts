/**
 * Property test: the three flow endpoints answer exactly what the reference
 * (test/reference/flows.ts, written from the CONTRACT only) computes, on random
 * flows ingested through /v1/ingest into a fresh bot per run. The generator
 * aims at the cases that break flow SQL: cycles A→B→A, self-loops A→A,
 * single-step conversations, conversations without steps, long paths, equal
 * timestamps (ingest order decides), events posted out of time order,
 * conversations split by the 15-minute rule, supplied conversation ids,
 * conversations starting before / after the range, filters and time zones.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { buildModel, getFlowStepDetails, getFlowStepEdges, getFlows, type Query } from '../reference/endpoints.ts';
import type { RefEvent } from '../reference/events.ts';

let server: TestServer;
let token: string;
let run = 0;

const STEPS = ['A', 'B', 'C', 'D'];
const TYPES = ['bot_dialog', 'action', 'input_validation'];
const CHANNELS = ['web', 'whatsapp'];
const LANGUAGES = ['en', 'nl'];
const BASE = Date.parse('2026-10-05T00:00:00Z');
const MIN = 60_000;

interface Item {
  kind: 'step' | 'message' | 'tracking';
  step: number;
  typeShift: number;
  /** Gap before this event: 0 = same timestamp as the previous one. */
  gapSec: number;
}
interface Session {
  user: number;
  channel: number;
  language: number;
  /** Minutes from BASE (negative = before the range's usual start). */
  startMin: number;
  supplied: boolean;
  items: Item[];
}

const item: fc.Arbitrary<Item> = fc.record({
  kind: fc.constantFrom<Item['kind']>('step', 'step', 'step', 'message', 'tracking'),
  step: fc.nat({ max: STEPS.length - 1 }),
  // Mostly one type per step id; sometimes another, to exercise edges keyed by (id, type).
  typeShift: fc.constantFrom(0, 0, 0, 0, 1),
  // 0 = equal timestamps; ≥ 900 s = split by the 15-minute rule.
  gapSec: fc.constantFrom(0, 0, 1, 30, 120, 899, 900, 1200),
});

const session: fc.Arbitrary<Session> = fc.record({
  user: fc.nat({ max: 3 }),
  channel: fc.nat({ max: 1 }),
  language: fc.nat({ max: 1 }),
  startMin: fc.integer({ min: -120, max: 26 * 60 }),
  supplied: fc.constantFrom(false, false, true),
  items: fc.oneof(fc.array(item, { minLength: 0, maxLength: 4 }), fc.array(item, { minLength: 8, maxLength: 30 })),
});

function toEvents(bot: string, sessions: Session[]): RefEvent[] {
  const events: RefEvent[] = [];
  sessions.forEach((s, si) => {
    let t = BASE + s.startMin * MIN;
    for (const it of s.items) {
      t += it.gapSec * 1000;
      const common = {
        timestamp: new Date(t).toISOString(),
        team_id: 't1',
        bot_id: bot,
        version: (s.user === 3 ? 'DRAFT' : 'LIVE') as RefEvent['version'],
        user_id: `u${s.user}`,
        channel_type: CHANNELS[s.channel],
        language: LANGUAGES[s.language],
        ...(s.supplied ? { conversation_id: `conv-${si}` } : {}),
      };
      if (it.kind === 'step') {
        events.push({
          ...common,
          type: 'step',
          step_id: STEPS[it.step] as string,
          step_type: TYPES[(it.step + it.typeShift) % TYPES.length] as string,
        });
      } else if (it.kind === 'message') {
        events.push({ ...common, type: 'message', direction: 'user', kind: 'text', intent: null });
      } else {
        events.push({ ...common, type: 'tracking', event: 'clicked', attributes: {} });
      }
    }
  });
  return events;
}

const requestArb = fc.record({
  startDay: fc.constantFrom('2026-10-05', '2026-10-05T06:00:00Z', '2026-10-04T22:00:00-02:00'),
  endDay: fc.constantFrom('2026-10-06', '2026-10-05T18:00:00+02:00', '2026-10-07'),
  timezone: fc.constantFrom(undefined, 'Europe/Brussels', 'America/New_York'),
  channel: fc.constantFrom(undefined, 'web', 'whatsapp,web', 'telegram'),
  language: fc.constantFrom(undefined, 'nl', 'en,nl'),
  version: fc.constantFrom('LIVE', 'LIVE', 'DRAFT'),
  indexedPath: fc.boolean(),
  randomPath: fc.array(fc.constantFrom(...STEPS), { maxLength: 3 }),
});
type Req = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function baseQuery(r: Req, withVersion: boolean): Query {
  const q: Query = { start_time: r.startDay, end_time: r.endDay };
  if (withVersion) q.version = r.version;
  if (r.timezone) q.timezone = r.timezone;
  if (r.channel) q.channel_type = r.channel;
  if (r.language) q.language = r.language;
  return q;
}

function qs(q: Query, path: string[] = [], indexed = false): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  path.forEach((s, i) => {
    p.append(indexed ? `path[${i}]` : 'path', s);
  });
  return p.toString();
}

async function getOk(url: string, operationId: string): Promise<unknown> {
  const res = await api(`${server.url}${url}`, token);
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  assertMatchesSchema(operationId, res.body);
  return res.body;
}

before(async () => {
  server = await startTestServer();
  token = await server.token('t1');
});

after(async () => {
  await server.close();
});

test('flows, step details and edges match the reference on random flows', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(session, { minLength: 1, maxLength: 10 }),
      fc.boolean(),
      requestArb,
      async (sessions, shuffle, r) => {
        run += 1;
        const bot = `pf${run}-${Date.now().toString(36)}`;
        let events = toEvents(bot, sessions);
        if (events.length === 0) return;
        // Post out of time order sometimes: the flow order must come from timestamps, then ingest order.
        if (shuffle) events = [...events].reverse();
        const res = await ingest(server.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        const pathParams = { bot_id: bot };

        // Paths: none, prefixes of real flows (deepest included), and a random one.
        const flowsOf = model.conversations.map((c) => c.steps.map((s) => s.step_id)).filter((f) => f.length > 0);
        const paths: string[][] = [[], r.randomPath];
        for (const f of flowsOf.slice(0, 3))
          paths.push(f.slice(0, Math.min(f.length, 50)), f.slice(0, 1 + (f.length >> 1)));
        for (const path of paths) {
          const q = baseQuery(r, true);
          const got = await getOk(`/v1/bots/${bot}/flows?${qs(q, path, r.indexedPath)}`, 'Analytics_GetFlows');
          assert.deepEqual(got, getFlows(model, pathParams, { ...q, path }), `path ${path.join('>')}`);
        }
        for (const step of [...STEPS, 'Z']) {
          const q = baseQuery(r, true);
          const got = await getOk(`/v1/bots/${bot}/flows/${step}?${qs(q)}`, 'Analytics_GetFlowStepDetails');
          assert.deepEqual(got, getFlowStepDetails(model, { ...pathParams, step_id: step }, q), `details ${step}`);
          for (const type of ['sources', 'targets']) {
            // Both paths, alternating per run so the test costs what it did: the seed's
            // (version in the path) and the published one (version in the query).
            if (run % 2 === 0) {
              const eq = { ...baseQuery(r, false), type };
              const url = `/v1/bots/${bot}/${r.version}/flows/${step}/edges?${qs(eq)}`;
              const want = getFlowStepEdges(model, { ...pathParams, version: r.version, step_id: step }, eq);
              assert.deepEqual(await getOk(url, 'Analytics_GetFlowStepEdges'), want, `edges ${type} ${step}`);
            } else {
              const vq = { ...baseQuery(r, true), type };
              const url = `/v1/bots/${bot}/flows/${step}/edges?${qs(vq)}`;
              const want = getFlowStepEdges(model, { ...pathParams, step_id: step }, vq);
              assert.deepEqual(await getOk(url, 'Analytics_GetFlowStepEdgesV2'), want, `edges v2 ${type} ${step}`);
            }
          }
        }
      },
    ),
    { numRuns: 40 },
  );
});

/**
 * Property tests of the team usage endpoints: random team data (several bots and
 * versions, campaigns present or missing, voice durations on minute boundaries,
 * days around the Europe/Brussels DST changes) is posted to /v1/ingest and every
 * answer is compared with the reference implementation (test/reference), then the
 * invariants invoices rely on: grouped series add up to the ungrouped total per
 * bucket, and month buckets add up to the day buckets of the same months.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { TEAM_GROUP_FIELDS } from '../../src/analytics/team-group-by.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { buildModel, type Model, type Query, REFERENCE_ENDPOINTS, type RefEvent } from '../reference/endpoints.ts';

let server: TestServer;
let teamNo = 0;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const MINUTE = 60_000;
const DAY = 86_400_000;
// Two windows: each spans a Brussels DST change (2025-03-30, 2025-10-26) and a month end.
const WINDOWS = [Date.parse('2025-03-20T00:00:00Z'), Date.parse('2025-10-18T00:00:00Z')];
const WINDOW_DAYS = 20;
const ZONES = ['UTC', 'Europe/Brussels', 'America/New_York'];

interface Raw {
  kind: 'user' | 'bot' | 'step' | 'voice' | 'kb';
  bot: number;
  draft: boolean;
  user: number;
  channel: string | undefined;
  language: string | undefined;
  campaign: [string, string | undefined] | undefined;
  /** Minutes after the window start; clustered so sessions form. */
  minute: number;
  duration: number;
  answered: boolean;
}

const rawEvent = fc.record({
  kind: fc.constantFrom('user', 'user', 'bot', 'step', 'voice', 'kb'),
  bot: fc.integer({ min: 0, max: 2 }),
  draft: fc.boolean(),
  user: fc.integer({ min: 0, max: 3 }),
  channel: fc.constantFrom('web', 'whatsapp', undefined),
  language: fc.constantFrom('en', 'nl', undefined),
  campaign: fc.option(
    fc.tuple(fc.constantFrom('c1', 'c2'), fc.option(fc.constantFrom('s1', 's2'), { nil: undefined })),
    {
      nil: undefined,
    },
  ),
  // A few "days" with events packed in 40-minute stretches: some gaps under 15 minutes.
  minute: fc
    .tuple(
      fc.integer({ min: 0, max: WINDOW_DAYS - 1 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 23 }),
    )
    .map(([d, m, h]) => d * 1440 + h * 60 + m),
  duration: fc.oneof(fc.constantFrom(0, 60, 120, 59.5, 60.001, 0.2, 180), fc.integer({ min: 0, max: 900 })),
  answered: fc.boolean(),
}) as fc.Arbitrary<Raw>;

function toEvent(team: string, window: number, r: Raw): RefEvent {
  const e: RefEvent = {
    type: 'message',
    team_id: team,
    bot_id: `${team}-b${r.bot}`,
    version: r.draft ? 'DRAFT' : 'LIVE',
    timestamp: new Date(window + r.minute * MINUTE).toISOString(),
  };
  if (r.channel !== undefined) e.channel_type = r.channel;
  if (r.language !== undefined) e.language = r.language;
  if (r.campaign) {
    e.campaign_id = r.campaign[0];
    if (r.campaign[1] !== undefined) e.campaign_source = r.campaign[1];
  }
  switch (r.kind) {
    case 'user':
      return { ...e, user_id: `u${r.user}`, direction: 'user', kind: 'text', intent: null };
    case 'bot':
      return { ...e, user_id: `u${r.user}`, direction: 'bot' };
    case 'step':
      return { ...e, type: 'step', user_id: `u${r.user}`, step_id: 's1', step_type: 'bot_dialog' };
    case 'voice':
      return { ...e, type: 'voice_call', duration_seconds: r.duration };
    case 'kb':
      return { ...e, type: 'kb_query', answered: r.answered };
  }
}

/** A fresh team per run keeps runs apart on one server. */
async function loadTeam(raws: Raw[], window: number): Promise<{ team: string; token: string; model: Model }> {
  const team = `pt${++teamNo}`;
  const token = await server.token(team);
  // Time order, so sessionization sees the same sequence as the reference.
  const events = raws.map((r) => toEvent(team, window, r)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const res = await ingest(server.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { team, token, model: buildModel(events) };
}

const PATHS = {
  Analytics_GetTeamConversationsUsage: (t: string) => `/v1/teams/${t}/conversations`,
  Analytics_GetVoiceAnalytics: (t: string) => `/v1/teams/${t}/voice_minutes`,
  Analytics_GetTeamKnowledgeBaseUsage: (t: string) => `/v1beta1/teams/${t}/knowledge_base`,
} as const;
type OpId = keyof typeof PATHS;

interface SeriesBody {
  data: { series: { values: number[]; sum: number }[]; series_labels: string[]; x_values: string[] };
}

async function call(op: OpId, team: string, token: string, q: Query): Promise<SeriesBody> {
  const qs = new URLSearchParams(q as Record<string, string>).toString();
  const res = await api(`${server.url}${PATHS[op](team)}?${qs}`, token);
  assert.equal(res.status, 200, `${op} ${qs}: ${JSON.stringify(res.body)}`);
  assertMatchesSchema(op, res.body);
  return res.body as SeriesBody;
}

const query = fc.record({
  zone: fc.constantFrom(...ZONES),
  startDay: fc.integer({ min: -2, max: WINDOW_DAYS - 2 }),
  days: fc.integer({ min: 2, max: 40 }),
  // Some ranges start mid-day: RFC 3339 instants instead of local dates.
  startHour: fc.option(fc.integer({ min: 1, max: 23 }), { nil: undefined }),
  convBucket: fc.constantFrom('', '1d', '1w', '1m'),
  voiceBucket: fc.constantFrom('', '1h', '1d', '1w'),
  kbBucket: fc.constantFrom('1d', '1w', '1m'),
  groupBy: fc.shuffledSubarray([...TEAM_GROUP_FIELDS]),
  language: fc.constantFrom('', 'en', 'nl,unknown'),
  channel: fc.constantFrom('', 'web', 'whatsapp,unknown'),
});

const NOMINAL_DAYS: Record<string, number> = { '1h': 1 / 24, '1d': 1, '1w': 7, '1m': 28 };

/** Drops a bucket that the range cannot hold (that is a 400, tested elsewhere). */
function fitBucket(bucket: string, days: number, fallback: string): string {
  return bucket === '' || (NOMINAL_DAYS[bucket] ?? 0) < days ? bucket : fallback;
}

test('team usage endpoints match the reference on random data', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(rawEvent, { minLength: 1, maxLength: 80 }),
      fc.constantFrom(...WINDOWS),
      fc.array(query, { minLength: 1, maxLength: 3 }),
      async (raws, window, queries) => {
        const { team, token, model } = await loadTeam(raws, window);
        for (const q of queries) {
          const startDate = new Date(window + q.startDay * DAY).toISOString().slice(0, 10);
          const endDate = new Date(window + (q.startDay + q.days) * DAY).toISOString().slice(0, 10);
          const time: Query = { timezone: q.zone, start_time: startDate, end_time: endDate };
          if (q.startHour !== undefined) {
            time.start_time = new Date(window + q.startDay * DAY + q.startHour * 3_600_000).toISOString();
          }
          const span = q.startHour !== undefined ? q.days - 1 : q.days;
          const asks: [OpId, Query][] = [
            [
              'Analytics_GetTeamConversationsUsage',
              { ...time, bucket: fitBucket(q.convBucket, span, '1d'), group_by: q.groupBy.join(',') },
            ],
            [
              'Analytics_GetVoiceAnalytics',
              { ...time, bucket: fitBucket(q.voiceBucket, span, '1d'), language: q.language },
            ],
            [
              'Analytics_GetTeamKnowledgeBaseUsage',
              { ...time, bucket: fitBucket(q.kbBucket, span, '1d'), language: q.language, channel_type: q.channel },
            ],
          ];
          for (const [op, params] of asks) {
            const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
            const real = await call(op, team, token, clean);
            const expected = REFERENCE_ENDPOINTS[op](model, { team_id: team }, clean);
            assert.deepEqual(real, expected, `${op} ${JSON.stringify(clean)}`);
          }
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('invariants: grouped series sum to the total per bucket; 1m buckets sum to 1d buckets', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(rawEvent, { minLength: 1, maxLength: 80 }),
      fc.constantFrom(...WINDOWS),
      fc.shuffledSubarray([...TEAM_GROUP_FIELDS], { minLength: 1 }),
      fc.constantFrom(...ZONES),
      async (raws, window, groupBy, zone) => {
        const { team, token } = await loadTeam(raws, window);
        // Whole months around the window, in the request zone.
        const month = new Date(window).toISOString().slice(0, 7);
        const [y, m] = month.split('-').map(Number) as [number, number];
        const end = `${m + 2 > 12 ? y + 1 : y}-${String(((m + 1) % 12) + 1).padStart(2, '0')}-01`;
        const range = { timezone: zone, start_time: `${month}-01`, end_time: end };

        const conv = 'Analytics_GetTeamConversationsUsage';
        const total = await call(conv, team, token, { ...range, bucket: '1d' });
        const grouped = await call(conv, team, token, { ...range, bucket: '1d', group_by: groupBy.join(',') });
        const totals = total.data.series[0]?.values ?? [];
        const sums = totals.map((_, i) => grouped.data.series.reduce((acc, s) => acc + (s.values[i] ?? 0), 0));
        assert.deepEqual(sums, totals, `group_by=${groupBy.join(',')}`);

        for (const op of [conv, 'Analytics_GetTeamKnowledgeBaseUsage'] as const) {
          const days = await call(op, team, token, { ...range, bucket: '1d' });
          const months = await call(op, team, token, { ...range, bucket: '1m' });
          assert.equal(months.data.x_values.length, 2);
          const secondMonth = months.data.x_values[1] as string;
          const split = days.data.x_values.indexOf(secondMonth);
          assert.ok(split > 0, `${secondMonth} is a day bucket`);
          days.data.series.forEach((s, k) => {
            const add = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
            assert.deepEqual(months.data.series[k]?.values, [
              add(s.values.slice(0, split)),
              add(s.values.slice(split)),
            ]);
          });
        }
      },
    ),
    { numRuns: 25 },
  );
});

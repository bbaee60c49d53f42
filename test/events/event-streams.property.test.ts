/**
 * CONTRACT-LIVE-API §2 against the reference (test/reference/event-streams.ts): random
 * tracking events (several users, names, campaigns, attribute objects mixing strings,
 * numbers and booleans such as "1", 1 and "1.0", missing keys and '' values, equal
 * timestamps, two bots of the team, one bot of another team, both versions, some older
 * than 30 days) are posted, then
 * - the GET stream with random exact matches and the POST stream with random exact
 *   matches and filters of every operator and type, followed through ALL pages with a
 *   random page size, equal the reference's whole ordered list;
 * - the team's events, through all pages, equal the reference;
 * - attribute values equal the reference at "now".
 * Each run uses its own teams and bots, so runs do not see each other's events.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import {
  buildModel,
  getEventAttributeValues,
  getTeamEventsAll,
  listEventsAll,
  listEventsWithFiltersAll,
  type RefEvent,
  type RefStreamBody,
} from '../reference/endpoints.ts';
import type { RefFilter } from '../reference/filters.ts';

const RUNS = Number(process.env.STREAM_RUNS ?? 12);
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv?.close();
});

const NOW = Date.now();
/** Recent events sit two days back (minute-aligned, so equal timestamps are common); old ones 40 days back. */
const BASE = Math.floor((NOW - 2 * 86_400_000) / 60_000) * 60_000;
const OLD = BASE - 38 * 86_400_000;

const ATTR_KEYS = ['plan', 'amount', 'ok', 'note'] as const;
const ATTR_VALUES: (string | number | boolean)[] = [
  'gold',
  'Gold',
  '1',
  '1.0',
  '',
  'true',
  'x y',
  1,
  1.5,
  0,
  -2,
  10,
  true,
  false,
];
const FILTER_KEYS = [
  'plan',
  'amount',
  'ok',
  'note',
  'missing',
  '$user_id',
  '$campaign_id',
  '$campaign_source',
  '$channel_type',
  '$language',
  '$conversation_id',
];
const FILTER_VALUES = [
  'gold',
  'GOL',
  '1',
  '1.0',
  '1.5',
  '0',
  '-2',
  'true',
  'TRUE',
  'u1',
  'spring',
  'web',
  'x',
  'abc',
  '',
];
const OPERATORS = ['eq', 'neq', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'];

interface GenEvent {
  where: 0 | 1 | 2; // bot A, bot B of the team, bot of the other team
  version: 'DRAFT' | 'LIVE';
  user: string;
  conversation: string;
  event: string;
  campaign: string | undefined;
  source: string | undefined;
  channel: string | undefined;
  minute: number; // -1 = old
  attributes: Record<string, string | number | boolean> | undefined;
}

const genEvent: fc.Arbitrary<GenEvent> = fc.record({
  where: fc.constantFrom(0 as const, 0 as const, 0 as const, 1 as const, 2 as const),
  version: fc.constantFrom('DRAFT' as const, 'LIVE' as const, 'LIVE' as const, 'LIVE' as const),
  user: fc.constantFrom('u1', 'u2', 'u3'),
  conversation: fc.constantFrom('c1', 'c2'),
  event: fc.constantFrom('buy', 'view', 'Buy'),
  campaign: fc.constantFrom(undefined, 'spring', 'fall'),
  source: fc.constantFrom(undefined, 'mail', ''),
  channel: fc.constantFrom(undefined, 'web', 'whatsapp'),
  minute: fc.constantFrom(-1, 0, 0, 1, 2, 3, 5, 8, 13),
  attributes: fc.option(fc.dictionary(fc.constantFrom(...ATTR_KEYS), fc.constantFrom(...ATTR_VALUES), { maxKeys: 4 }), {
    nil: undefined,
  }),
});

const genFilter: fc.Arbitrary<RefFilter> = fc.record(
  {
    key: fc.constantFrom(...FILTER_KEYS),
    operator: fc.constantFrom(...OPERATORS),
    type: fc.constantFrom('string', 'number', 'boolean'),
    value: fc.array(fc.constantFrom(...FILTER_VALUES), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['key', 'operator', 'value'] },
);

/** Absent three times in four: every exact match and option narrows the answer. */
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: a, weight: 1 });
const genExact = fc.record({
  event: maybe(fc.constantFrom('buy', 'view', 'Buy', '', 'nope')),
  conversation_id: maybe(fc.constantFrom('c1', 'c2', '')),
  user_id: maybe(fc.constantFrom('u1', 'u2', 'u3', '')),
  campaign_id: maybe(fc.constantFrom('spring', 'fall', '')),
});
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** [start, end) in minutes after BASE; null = a range holding every event. */
const genRange = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: -2, max: 10 }), fc.integer({ min: 1, max: 16 }))
      .map(([a, len]) => [a, a + len]),
    weight: 1,
  },
);
const iso = (ms: number) => new Date(ms).toISOString();
const rangeOf = (r: number[] | null) =>
  r === null
    ? { start_time: iso(OLD - 86_400_000), end_time: iso(NOW + 86_400_000) }
    : { start_time: iso(BASE + (r[0] ?? 0) * 60_000), end_time: iso(BASE + (r[1] ?? 0) * 60_000) };

const scenario = fc.record({
  events: fc.array(genEvent, { minLength: 3, maxLength: 40 }),
  getQuery: fc.record({ version: fc.constantFrom('DRAFT', 'LIVE', 'LIVE'), exact: genExact, range: genRange }),
  postQuery: fc.record({
    version: fc.constantFrom('DRAFT', 'LIVE', 'LIVE'),
    exact: genExact,
    range: genRange,
    filters: fc.array(genFilter, { maxLength: 2 }),
  }),
  teamQuery: fc.record({ user: maybe(fc.constantFrom('u1', 'u2', 'u3', '')), range: genRange }),
  values: fc.array(
    fc.record({
      key: fc.constantFrom(
        'plan',
        'plan',
        'amount',
        'amount',
        'ok',
        'note',
        'missing',
        '$user_id',
        '$campaign_id',
        '$channel_type',
      ),
      query: maybe(fc.constantFrom('', 'g', 'OL', '1', 'tr', 'x', 'u')),
      event: maybe(fc.constantFrom('buy', 'view', '')),
      version: maybe(fc.constantFrom('DRAFT', 'LIVE', '')),
    }),
    { minLength: 3, maxLength: 3 },
  ),
  pageSizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
});

type Page = { events: { id: string }[]; next_page_token: string };

/** Follows next_page_token to the end; checks each page's size and schema. */
async function allPages(
  operationId: string,
  pageSize: number,
  fetchPage: (token: string) => Promise<{ status: number; body: unknown }>,
) {
  const out: unknown[] = [];
  let token = '';
  for (let n = 0; n < 100; n += 1) {
    const res = await fetchPage(token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertMatchesSchema(operationId, res.body);
    const page = res.body as Page;
    assert.ok(page.events.length <= pageSize, `page of ${page.events.length} > ${pageSize}`);
    out.push(...page.events);
    if (page.next_page_token === '') return out;
    assert.ok(page.events.length === pageSize, 'a page before the last is full');
    token = page.next_page_token;
  }
  throw new Error('more than 100 pages');
}

let runNo = 0;

test('filtered streams, team events and attribute values equal the reference', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      runNo += 1;
      const team = `ts-team-${runNo}`;
      const other = `ts-other-${runNo}`;
      const bots = [`ts-a-${runNo}`, `ts-b-${runNo}`, `ts-c-${runNo}`];
      const events: RefEvent[] = s.events.map((g, i) => ({
        id: `e${String(i).padStart(2, '0')}`,
        type: 'tracking',
        team_id: g.where === 2 ? other : team,
        bot_id: bots[g.where] as string,
        version: g.version,
        user_id: g.user,
        conversation_id: g.conversation,
        event: g.event,
        timestamp: iso(g.minute < 0 ? OLD : BASE + g.minute * 60_000),
        ...defined({
          campaign_id: g.campaign,
          campaign_source: g.source,
          channel_type: g.channel,
          attributes: g.attributes,
        }),
      }));
      const token = await srv.token(team);
      const otherToken = await srv.token(other);
      for (const [tok, list] of [
        [token, events.filter((e) => e.team_id === team)],
        [otherToken, events.filter((e) => e.team_id === other)],
      ] as const) {
        if (list.length === 0) continue;
        const res = await ingest(srv.url, tok, list);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      // Make sure every bot exists for the team (a bot without events would be a 404).
      const model = buildModel(events);
      const [sizeGet, sizePost, sizeTeam] = s.pageSizes as [number, number, number];
      const botA = bots[0] as string;

      // GET with exact matches.
      const g = s.getQuery;
      const getQuery = { version: g.version, ...rangeOf(g.range), ...defined(g.exact) } as Record<string, string>;
      if (events.some((e) => e.bot_id === botA)) {
        const got = await allPages('Analytics_ListEvents', sizeGet, (tok) => {
          const q = new URLSearchParams({
            ...getQuery,
            page_size: String(sizeGet),
            ...(tok ? { page_token: tok } : {}),
          });
          return api(`${srv.url}/v1/bots/${botA}/events/stream?${q}`, token);
        });
        assert.deepEqual(got, listEventsAll(model, { bot_id: botA }, getQuery), `GET ${JSON.stringify(getQuery)}`);

        // POST with exact matches and filters.
        const p = s.postQuery;
        const body: RefStreamBody = {
          version: p.version,
          ...rangeOf(p.range),
          ...defined(p.exact),
          filters: p.filters,
        };
        const posted = await allPages('Analytics_ListEventsWithFilters', sizePost, (tok) =>
          api(`${srv.url}/v1/bots/${botA}/events/stream`, token, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...body, page_size: sizePost, ...(tok ? { page_token: tok } : {}) }),
          }),
        );
        assert.deepEqual(
          posted,
          listEventsWithFiltersAll(model, { bot_id: botA }, body),
          `POST ${JSON.stringify(body)}`,
        );

        // Attribute values at now.
        for (const v of s.values) {
          const vBody = defined({ query: v.query, event: v.event, version: v.version });
          const res = await api(
            `${srv.url}/v1/bots/${botA}/events/attributes/${encodeURIComponent(v.key)}/values`,
            token,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(vBody),
            },
          );
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assertMatchesSchema('Analytics_GetEventAttributeValues', res.body);
          assert.deepEqual(
            res.body,
            getEventAttributeValues(model, { bot_id: botA, attribute_key: v.key }, vBody, Date.now()),
            `values ${v.key} ${JSON.stringify(vBody)}`,
          );
        }
      }

      // Team events: both team bots, both versions, never the other team's.
      const t = s.teamQuery;
      const teamQuery = { ...rangeOf(t.range), ...defined({ user_id: t.user }) } as Record<string, string>;
      const teamGot = await allPages('Analytics_GetTeamEvents', sizeTeam, (tok) => {
        const q = new URLSearchParams({
          ...teamQuery,
          page_size: String(sizeTeam),
          ...(tok ? { page_token: tok } : {}),
        });
        return api(`${srv.url}/v1/teams/${team}/events?${q}`, token);
      });
      assert.deepEqual(
        teamGot,
        getTeamEventsAll(model, { team_id: team }, teamQuery),
        `team ${JSON.stringify(teamQuery)}`,
      );
    }),
    { numRuns: RUNS },
  );
});

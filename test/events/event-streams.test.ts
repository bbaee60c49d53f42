/**
 * CONTRACT-LIVE-API §2 over HTTP, by example: the filtered GET and POST streams, team
 * events and attribute values; every bad parameter or body field is a 400 naming it and
 * changes nothing; another team's bot or team is a 404; a page token belongs to its query.
 * (Whole answers against the reference: event-streams.property.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { diffSnapshots, snapshotStores } from '../helpers/fuzz-store.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const TEAM = 'team-es';
const BOT = 'bot-es';
const BOT2 = 'bot-es2';
const OTHER_TEAM = 'team-es-other';
const OTHER_BOT = 'bot-es-other';
let srv: TestServer;
let token: string;
let otherToken: string;
const now = Date.now();
const at = (minAgo: number) => new Date(now - minAgo * 60_000).toISOString();
const start = new Date(now - 2 * 86_400_000).toISOString();
const end = new Date(now + 86_400_000).toISOString();
const range = `start_time=${encodeURIComponent(start)}&end_time=${encodeURIComponent(end)}`;

const tracking = (id: string, minAgo: number, over: Record<string, unknown> = {}) => ({
  id,
  type: 'tracking',
  team_id: TEAM,
  bot_id: BOT,
  version: 'LIVE',
  user_id: 'u1',
  conversation_id: 'c1',
  event: 'buy',
  timestamp: at(minAgo),
  ...over,
});

const get = (path: string, tok = token) => api(`${srv.url}${path}`, tok);
const post = (path: string, body: unknown, tok = token) =>
  api(`${srv.url}${path}`, tok, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const ids = (body: unknown) => (body as { events: { id: string }[] }).events.map((e) => e.id);
const named = (body: unknown) => {
  const d = (body as { details?: { parameter?: string; field?: string }[] }).details?.[0];
  return d?.parameter ?? d?.field;
};

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
  otherToken = await srv.token(OTHER_TEAM);
  const res = await ingest(srv.url, token, [
    tracking('e1', 50, { attributes: { plan: 'Gold', amount: 1 } }),
    tracking('e2', 40, { user_id: 'u2', conversation_id: 'c2', attributes: { plan: 'gold', amount: '1.0' } }),
    tracking('e3', 30, { event: 'view', campaign_id: 'spring', attributes: { amount: 3, ok: true } }),
    tracking('e4', 20, { version: 'DRAFT', attributes: { plan: 'silver' } }),
    tracking('e5', 10, { bot_id: BOT2, attributes: { plan: 'gold' } }),
    tracking('old', 31 * 24 * 60, { attributes: { plan: 'ancient' } }),
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const other = await ingest(srv.url, otherToken, [
    tracking('x1', 5, { team_id: OTHER_TEAM, bot_id: OTHER_BOT, attributes: { plan: 'gold' } }),
  ]);
  assert.equal(other.status, 200, JSON.stringify(other.body));
});
after(async () => {
  await srv.close();
});

describe('GET stream exact matches', () => {
  test('event, conversation_id, user_id, campaign_id are ANDed; empty is no filter', async () => {
    const base = `/v1/bots/${BOT}/events/stream?version=LIVE&${range}`;
    const cases: [string, string[]][] = [
      ['', ['e1', 'e2', 'e3']],
      ['&user_id=u1', ['e1', 'e3']],
      ['&user_id=u1&event=buy', ['e1']],
      ['&conversation_id=c2', ['e2']],
      ['&campaign_id=spring', ['e3']],
      ['&user_id=', ['e1', 'e2', 'e3']],
      ['&event=BUY', []],
    ];
    for (const [q, want] of cases) {
      const res = await get(base + q);
      assert.equal(res.status, 200, q);
      assertMatchesSchema('Analytics_ListEvents', res.body);
      assert.deepEqual(ids(res.body), want, q);
    }
  });

  test('a value longer than the stored cap is a 400 naming it', async () => {
    for (const [name, max] of [
      ['event', 256],
      ['conversation_id', 128],
      ['user_id', 128],
      ['campaign_id', 1024],
    ] as const) {
      const res = await get(`/v1/bots/${BOT}/events/stream?version=LIVE&${range}&${name}=${'a'.repeat(max + 1)}`);
      assert.equal(res.status, 400, name);
      assert.equal(named(res.body), name);
      const ok = await get(`/v1/bots/${BOT}/events/stream?version=LIVE&${range}&${name}=${'a'.repeat(max)}`);
      assert.equal(ok.status, 200, name);
    }
  });
});

describe('POST stream', () => {
  const url = `/v1/bots/${BOT}/events/stream`;
  const body = { version: 'LIVE', start_time: start, end_time: end };

  test('filters and exact matches, the same answer as the GET', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['e1', 'e2', 'e3']],
      [{ filters: [{ key: 'amount', operator: 'eq', type: 'number', value: ['1'] }] }, ['e1', 'e2']],
      [{ filters: [{ key: 'amount', operator: 'eq', value: ['1'] }] }, ['e1']],
      [{ filters: [{ key: 'plan', operator: 'contains', value: ['OL'] }] }, ['e1', 'e2']],
      [{ filters: [{ key: 'plan', operator: 'is_not_set' }] }, ['e3']],
      [{ filters: [{ key: '$campaign_id', operator: 'eq', value: ['spring'] }] }, ['e3']],
      [{ user_id: 'u1', filters: [{ key: 'amount', operator: 'gte', value: ['1'] }] }, ['e1', 'e3']],
      [{ event: 'view', user_id: 'u2' }, []],
    ];
    for (const [extra, want] of cases) {
      const res = await post(url, { ...body, ...extra });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assertMatchesSchema('Analytics_ListEventsWithFilters', res.body);
      assert.deepEqual(ids(res.body), want, JSON.stringify(extra));
    }
    const g = await get(`${url}?version=LIVE&${range}&user_id=u1`);
    const p = await post(url, { ...body, user_id: 'u1' });
    assert.deepEqual(p.body, g.body);
  });

  test('timezone from the body or the query; a date-only range is local midnight', async () => {
    const day = new Date(now).toISOString().slice(0, 10);
    const next = new Date(now + 86_400_000).toISOString().slice(0, 10);
    const utc = await post(url, { version: 'LIVE', start_time: day, end_time: next });
    assert.equal(utc.status, 200);
    const viaQuery = await post(`${url}?timezone=Pacific/Kiritimati`, {
      version: 'LIVE',
      start_time: day,
      end_time: next,
    });
    const viaBody = await post(url, {
      version: 'LIVE',
      start_time: day,
      end_time: next,
      timezone: 'Pacific/Kiritimati',
    });
    assert.equal(viaQuery.status, 200);
    assert.deepEqual(viaBody.body, viaQuery.body);
    const bad = await post(url, { ...body, timezone: 'Mars/Olympus' });
    assert.equal(bad.status, 400);
    assert.equal(named(bad.body), 'timezone');
    assert.match((bad.body as { message: string }).message, /body field/);
    const badQuery = await post(`${url}?timezone=Mars/Olympus`, body);
    assert.equal(badQuery.status, 400);
    assert.match((badQuery.body as { message: string }).message, /parameter "timezone"/);
  });

  test('every bad body field is a 400 naming it and changes nothing', async () => {
    const cases: [Record<string, unknown> | string, string][] = [
      ['[1]', 'body'],
      [{ start_time: start, end_time: end }, 'version'],
      [{ ...body, version: 'live' }, 'version'],
      [{ ...body, version: 1 }, 'version'],
      [{ ...body, start_time: 'yesterday' }, 'start_time'],
      [{ version: 'LIVE', end_time: end }, 'start_time'],
      [{ ...body, end_time: start }, 'end_time'],
      [{ ...body, page_size: -1 }, 'page_size'],
      [{ ...body, page_size: 1.5 }, 'page_size'],
      [{ ...body, page_size: '5' }, 'page_size'],
      [{ ...body, page_token: 'nope' }, 'page_token'],
      [{ ...body, page_token: 5 }, 'page_token'],
      [{ ...body, event: 7 }, 'event'],
      [{ ...body, event: 'e'.repeat(257) }, 'event'],
      [{ ...body, conversation_id: 'c'.repeat(129) }, 'conversation_id'],
      [{ ...body, user_id: ['u1'] }, 'user_id'],
      [{ ...body, campaign_id: 'c'.repeat(1025) }, 'campaign_id'],
      [{ ...body, filters: {} }, 'filters'],
      [{ ...body, filters: [{ key: 'a', operator: 'like', value: ['x'] }] }, 'filters[0].operator'],
      [{ ...body, filters: [{ key: 'a', operator: 'eq', type: 'date', value: ['x'] }] }, 'filters[0].type'],
      [{ ...body, filters: [{ key: 'a', operator: 'eq', value: [] }] }, 'filters[0].value'],
      [{ ...body, filters: [{ key: 'a', operator: 'eq', value: [1] }] }, 'filters[0].value[0]'],
      [{ ...body, filters: [{ operator: 'eq', value: ['x'] }] }, 'filters[0].key'],
      [{ ...body, filters: [{ key: '$nope', operator: 'is_set' }] }, 'filters[0].key'],
      [{ ...body, filters: Array.from({ length: 21 }, () => ({ key: 'a', operator: 'is_set' })) }, 'filters'],
      [{ ...body, timezone: 3 }, 'timezone'],
      [{ ...body, user_id: null }, 'user_id'],
      [{ ...body, filters: [{ key: 'a', operator: 'eq', value: ['\ud800'] }] }, 'filters[0].value[0]'],
    ];
    const snap = await snapshotStores(srv.services);
    for (const [b, field] of cases) {
      const res = await post(url, b);
      assert.equal(res.status, 400, `${JSON.stringify(b).slice(0, 120)} → ${res.status}`);
      assert.equal(named(res.body), field, JSON.stringify(res.body));
    }
    assert.deepEqual(diffSnapshots(snap, await snapshotStores(srv.services)), []);
  });
});

describe('page tokens belong to their query', () => {
  const url = `/v1/bots/${BOT}/events/stream`;
  const body = { version: 'LIVE', start_time: start, end_time: end, page_size: 1 };

  test('a token reused with other filters, bot, version or range is a 400 naming page_token', async () => {
    const first = await post(url, { ...body, filters: [{ key: 'plan', operator: 'is_set' }] });
    const tok = (first.body as { next_page_token: string }).next_page_token;
    assert.notEqual(tok, '');
    const again = await post(url, { ...body, page_token: tok, filters: [{ key: 'plan', operator: 'is_set' }] });
    assert.equal(again.status, 200);
    assert.deepEqual(ids(again.body), ['e2']);
    const others: Record<string, unknown>[] = [
      { filters: [{ key: 'plan', operator: 'is_not_set' }] },
      { filters: [] },
      { filters: [{ key: 'plan', operator: 'is_set' }], user_id: 'u1' },
      { filters: [{ key: 'plan', operator: 'is_set' }], version: 'DRAFT' },
      { filters: [{ key: 'plan', operator: 'is_set' }], start_time: new Date(now - 3 * 86_400_000).toISOString() },
    ];
    for (const o of others) {
      const res = await post(url, { ...body, ...o, page_token: tok });
      assert.equal(res.status, 400, JSON.stringify(o));
      assert.equal(named(res.body), 'page_token');
    }
    const otherBot = await post(`/v1/bots/${BOT2}/events/stream`, {
      ...body,
      page_token: tok,
      filters: [{ key: 'plan', operator: 'is_set' }],
    });
    assert.equal(otherBot.status, 400);
    // Filters are ANDed: the same ones in another order are the same query.
    const two = [
      { key: 'plan', operator: 'is_set' },
      { key: 'amount', operator: 'gte', value: ['0'] },
    ];
    const p1 = await post(url, { ...body, filters: two });
    const tok2 = (p1.body as { next_page_token: string }).next_page_token;
    const swapped = await post(url, { ...body, filters: [...two].reverse(), page_token: tok2 });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    assert.deepEqual(ids(swapped.body), ['e2']);
    // The GET has no `filters`: the token of a filtered POST is foreign there.
    const onGet = await get(`${url}?version=LIVE&${range}&page_token=${encodeURIComponent(tok)}`);
    assert.equal(onGet.status, 400);
    assert.equal(named(onGet.body), 'page_token');
  });

  test('GET tokens carry the exact matches; the POST with the same matches takes them', async () => {
    const first = await get(`${url}?version=LIVE&${range}&page_size=1&user_id=u1`);
    const tok = encodeURIComponent((first.body as { next_page_token: string }).next_page_token);
    const changed = await get(`${url}?version=LIVE&${range}&page_size=1&user_id=u2&page_token=${tok}`);
    assert.equal(changed.status, 400);
    assert.equal(named(changed.body), 'page_token');
    const dropped = await get(`${url}?version=LIVE&${range}&page_size=1&page_token=${tok}`);
    assert.equal(dropped.status, 400);
    const same = await get(`${url}?version=LIVE&${range}&page_size=1&user_id=u1&page_token=${tok}`);
    assert.deepEqual(ids(same.body), ['e3']);
    const viaPost = await post(url, { ...body, user_id: 'u1', page_token: decodeURIComponent(tok) });
    assert.equal(viaPost.status, 200);
    assert.deepEqual(ids(viaPost.body), ['e3']);
  });
});

describe('team events', () => {
  const url = `/v1/teams/${TEAM}/events`;

  test('all bots, both versions, by timestamp; user_id filter; paged', async () => {
    const res = await get(`${url}?${range}`);
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_GetTeamEvents', res.body);
    assert.deepEqual(ids(res.body), ['e1', 'e2', 'e3', 'e4', 'e5']);
    const versions = (res.body as { events: { version: string; bot_id: string }[] }).events.map(
      (e) => `${e.bot_id}/${e.version}`,
    );
    assert.deepEqual(versions, [`${BOT}/LIVE`, `${BOT}/LIVE`, `${BOT}/LIVE`, `${BOT}/DRAFT`, `${BOT2}/LIVE`]);
    const u2 = await get(`${url}?${range}&user_id=u2`);
    assert.deepEqual(ids(u2.body), ['e2']);
    const seen: string[] = [];
    let tok = '';
    do {
      const page = await get(`${url}?${range}&page_size=2${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...ids(page.body));
      tok = (page.body as { next_page_token: string }).next_page_token;
    } while (tok !== '');
    assert.deepEqual(seen, ['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  test('bad parameters are 400s naming them; a token of another user is refused', async () => {
    const cases: [string, string][] = [
      [`start_time=x&end_time=${encodeURIComponent(end)}`, 'start_time'],
      [`start_time=${encodeURIComponent(start)}`, 'end_time'],
      [`${range}&page_size=-2`, 'page_size'],
      [`${range}&page_token=abc`, 'page_token'],
      [`${range}&user_id=${'u'.repeat(129)}`, 'user_id'],
      [`${range}&timezone=Nowhere/City`, 'timezone'],
    ];
    for (const [q, name] of cases) {
      const res = await get(`${url}?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(named(res.body), name, JSON.stringify(res.body));
    }
    const first = await get(`${url}?${range}&page_size=1`);
    const tok = encodeURIComponent((first.body as { next_page_token: string }).next_page_token);
    const other = await get(`${url}?${range}&page_size=1&user_id=u1&page_token=${tok}`);
    assert.equal(other.status, 400);
    assert.equal(named(other.body), 'page_token');
    // A bot stream's token is not a team token.
    const bot = await get(`/v1/bots/${BOT}/events/stream?version=LIVE&${range}&page_size=1`);
    const btok = encodeURIComponent((bot.body as { next_page_token: string }).next_page_token);
    assert.equal((await get(`${url}?${range}&page_size=1&page_token=${btok}`)).status, 400);
  });
});

describe('attribute values', () => {
  const url = (key: string, bot = BOT) => `/v1/bots/${bot}/events/attributes/${encodeURIComponent(key)}/values`;
  const values = (body: unknown) => (body as { attributes: { key: string; value: string }[] }).attributes;

  test('last 30 days, both versions, by occurrences then value; numbers as JSON text', async () => {
    const res = await post(url('plan'), { query: '' });
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_GetEventAttributeValues', res.body);
    // e5 is another bot; `old` is 31 days old.
    assert.deepEqual(values(res.body), [
      { key: 'plan', value: 'Gold' },
      { key: 'plan', value: 'gold' },
      { key: 'plan', value: 'silver' },
    ]);
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['plan', { query: 'GOL' }, ['Gold', 'gold']],
      ['plan', {}, ['Gold', 'gold', 'silver']],
      ['plan', { version: 'DRAFT' }, ['silver']],
      ['plan', { version: '' }, ['Gold', 'gold', 'silver']],
      ['amount', { query: '' }, ['1', '1.0', '3']],
      ['amount', { query: '', event: 'view' }, ['3']],
      ['ok', { query: 'TR' }, ['true']],
      ['missing', { query: '' }, []],
      ['$user_id', { query: '' }, ['u1', 'u2']],
    ];
    for (const [key, b, want] of cases) {
      const r = await post(url(key), b);
      assert.equal(r.status, 200, `${key} ${JSON.stringify(b)} ${JSON.stringify(r.body)}`);
      assert.deepEqual(
        values(r.body).map((v) => v.value),
        want,
        `${key} ${JSON.stringify(b)}`,
      );
    }
  });

  test('bad inputs are 400s naming them; another team is 404', async () => {
    const cases: [string, unknown, string][] = [
      [url('plan'), '[]', 'body'],
      [url('plan'), { query: 5 }, 'query'],
      [url('plan'), { query: 'q'.repeat(1025) }, 'query'],
      [url('plan'), { query: '', version: 'beta' }, 'version'],
      [url('plan'), { query: '', event: ['x'] }, 'event'],
      [url('plan'), { query: '', event: 'e'.repeat(257) }, 'event'],
      [url('k'.repeat(129)), { query: '' }, 'attribute_key'],
      [url('$nope'), { query: '' }, 'attribute_key'],
    ];
    const snap = await snapshotStores(srv.services);
    for (const [u, b, name] of cases) {
      const res = await post(u, b);
      assert.equal(res.status, 400, `${u.slice(0, 80)} ${JSON.stringify(b).slice(0, 80)}`);
      assert.equal(named(res.body), name, JSON.stringify(res.body));
    }
    assert.deepEqual(diffSnapshots(snap, await snapshotStores(srv.services)), []);
  });
});

describe('tenancy', () => {
  test("another team's bot or team answers 404", async () => {
    const reqs = [
      get(`/v1/bots/${OTHER_BOT}/events/stream?version=LIVE&${range}&user_id=u1`),
      post(`/v1/bots/${OTHER_BOT}/events/stream`, { version: 'LIVE', start_time: start, end_time: end }),
      get(`/v1/teams/${OTHER_TEAM}/events?${range}`),
      post(`/v1/bots/${OTHER_BOT}/events/attributes/plan/values`, { query: '' }),
      post(`/v1/bots/never-seen/events/attributes/plan/values`, { query: '' }),
    ];
    for (const res of await Promise.all(reqs)) assert.equal(res.status, 404, JSON.stringify(res.body));
    // A team without events has an empty list.
    const empty = await get(`/v1/teams/team-es-none/events?${range}`, await srv.token('team-es-none'));
    assert.deepEqual(empty.body, { events: [], next_page_token: '' });
    // The other team sees its own event only.
    const own = await get(`/v1/teams/${OTHER_TEAM}/events?${range}`, otherToken);
    assert.deepEqual(ids(own.body), ['x1']);
  });

  test('a token without the read scope is refused', async () => {
    const ingestOnly = await srv.token(TEAM, ['ingest']);
    const res = await post(
      `/v1/bots/${BOT}/events/stream`,
      { version: 'LIVE', start_time: start, end_time: end },
      ingestOnly,
    );
    assert.equal(res.status, 403);
  });
});

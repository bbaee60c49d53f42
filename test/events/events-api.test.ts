import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const TEAM = 'team-ev';
const BOT = 'bot-ev';
let srv: TestServer;
let token: string;

const tracking = (over: Record<string, unknown>): Record<string, unknown> => ({
  type: 'tracking',
  team_id: TEAM,
  bot_id: BOT,
  version: 'LIVE',
  user_id: 'u1',
  event: 'purchase',
  attributes: { amount: 3, ok: true },
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  ...over,
});

async function get(path: string) {
  return api(`${srv.url}${path}`, token);
}
async function post(path: string, body: unknown) {
  return api(`${srv.url}${path}`, token, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
  const now = Date.now();
  const res = await ingest(srv.url, token, [
    tracking({ event: 'zeta', timestamp: new Date(now - 40 * 86_400_000).toISOString() }),
    tracking({ event: 'purchase' }),
    tracking({ event: 'purchase', version: 'DRAFT' }),
    tracking({ event: 'purchase', timestamp: new Date(now - 35 * 86_400_000).toISOString() }),
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
});
after(async () => {
  await srv.close();
});

describe('event definitions', () => {
  test('auto-discovered names with last_seen_at and 30-day volume over both versions', async () => {
    const res = await get(`/v1/bots/${BOT}/events/definitions`);
    assert.equal(res.status, 200);
    assertMatchesSchema('Analytics_ListEventDefinitions', res.body);
    const body = res.body as { event_definitions: Record<string, unknown>[]; next_page_token: string };
    const byName = Object.fromEntries(body.event_definitions.map((d) => [d.event, d]));
    assert.equal(byName.purchase?.volume_30_day, 2);
    assert.equal(byName.purchase?.description, '');
    assert.equal(byName.zeta?.volume_30_day, 0);
    assert.ok(typeof byName.zeta?.last_seen_at === 'string');
    // Stable ids across listings.
    const again = (await get(`/v1/bots/${BOT}/events/definitions`)).body as typeof body;
    assert.deepEqual(
      again.event_definitions.map((d) => d.id),
      body.event_definitions.map((d) => d.id),
    );
  });

  test('create, 409 on duplicate and on an auto-discovered name, never-seen has no last_seen_at', async () => {
    const created = await post(`/v1/bots/${BOT}/events/definitions`, { event: 'signup', description: 'Signed up' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assertMatchesSchema('Analytics_CreateEventDefinition', created.body);
    const def = (created.body as { event_definition: Record<string, unknown> }).event_definition;
    assert.equal(def.event, 'signup');
    assert.equal('last_seen_at' in def, false);
    assert.equal(def.volume_30_day, 0);
    const dup = await post(`/v1/bots/${BOT}/events/definitions`, { event: 'signup' });
    assert.equal(dup.status, 409);
    assert.equal((dup.body as { code: number }).code, 6);
    const disc = await post(`/v1/bots/${BOT}/events/definitions`, { event: 'purchase' });
    assert.equal(disc.status, 409);
    const list = (await get(`/v1/bots/${BOT}/events/definitions`)).body as {
      event_definitions: Record<string, unknown>[];
    };
    const signup = list.event_definitions.find((d) => d.event === 'signup');
    assert.equal(signup?.id, def.id);
    assert.equal(signup && 'last_seen_at' in signup, false);
  });

  test('ordered by event and paged with tokens', async () => {
    for (const name of ['b1', 'a1', 'c1']) {
      assert.equal((await post(`/v1/bots/${BOT}/events/definitions`, { event: name })).status, 200);
    }
    const all: string[] = [];
    let tokenParam = '';
    for (let i = 0; i < 10; i++) {
      const res = await get(`/v1/bots/${BOT}/events/definitions?page_size=2${tokenParam}`);
      assert.equal(res.status, 200);
      const b = res.body as { event_definitions: { event: string }[]; next_page_token: string };
      assert.ok(b.event_definitions.length <= 2);
      all.push(...b.event_definitions.map((d) => d.event));
      if (!b.next_page_token) break;
      tokenParam = `&page_token=${encodeURIComponent(b.next_page_token)}`;
    }
    assert.deepEqual(all, ['a1', 'b1', 'c1', 'purchase', 'signup', 'zeta']);
  });

  test('bad inputs answer 400 and store nothing', async () => {
    for (const body of [
      {},
      { event: '' },
      { event: { a: 1 } },
      { event: 'x', description: { d: 1 } },
      { event: 'y'.repeat(300) },
      { event: '   ' },
    ]) {
      const res = await post(`/v1/bots/${BOT}/events/definitions`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal((res.body as { code: number }).code, 3);
    }
    const bad = await get(`/v1/bots/${BOT}/events/definitions?page_token=garbage`);
    assert.equal(bad.status, 400);
    const neg = await get(`/v1/bots/${BOT}/events/definitions?page_size=-1`);
    assert.equal(neg.status, 400);
    const list = (await get(`/v1/bots/${BOT}/events/definitions?page_size=100`)).body as {
      event_definitions: { event: string }[];
    };
    assert.deepEqual(
      list.event_definitions.map((d) => d.event),
      ['a1', 'b1', 'c1', 'purchase', 'signup', 'zeta'],
    );
  });

  test("another team's bot answers 404", async () => {
    const other = await srv.token('team-other');
    const res = await api(`${srv.url}/v1/bots/${BOT}/events/definitions`, other);
    assert.equal(res.status, 404);
    const create = await api(`${srv.url}/v1/bots/${BOT}/events/definitions`, other, {
      method: 'POST',
      body: JSON.stringify({ event: 'hack' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(create.status, 404);
  });
});

describe('event stream', () => {
  const SBOT = 'bot-stream';
  const base = Date.parse('2026-03-01T10:00:00Z');
  const range = 'start_time=2026-03-01T00:00:00Z&end_time=2026-03-02T00:00:00Z';

  async function readAll(pageSize: number, between?: (page: number) => Promise<void>) {
    const ids: string[] = [];
    let tok = '';
    for (let page = 0; page < 200; page++) {
      const res = await get(
        `/v1/bots/${SBOT}/events/stream?version=LIVE&${range}&page_size=${pageSize}${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assertMatchesSchema('Analytics_ListEvents', res.body);
      const b = res.body as {
        events: { id: string; timestamp: string; attributes: string }[];
        next_page_token: string;
      };
      ids.push(...b.events.map((e) => e.id));
      if (!b.next_page_token) return ids;
      tok = b.next_page_token;
      if (between) await between(page);
    }
    throw new Error('too many pages');
  }

  test('pages never skip or repeat, with equal timestamps straddling boundaries and concurrent ingest', async () => {
    // 3 events per timestamp, page size 2: every boundary splits a timestamp group.
    const events = Array.from({ length: 15 }, (_, i) =>
      tracking({
        id: `s-${String(i).padStart(2, '0')}`,
        bot_id: SBOT,
        event: 'clicked',
        attributes: { i },
        timestamp: new Date(base + Math.floor(i / 3) * 1000).toISOString(),
      }),
    );
    assert.equal((await ingest(srv.url, token, events)).status, 200);
    let extra = 0;
    const ids = await readAll(2, async () => {
      // New events between pages, some with timestamps equal to already-read ones, some later.
      extra++;
      const ts = new Date(base + (extra % 2 === 0 ? 0 : 10_000 + extra * 1000)).toISOString();
      await ingest(srv.url, token, [tracking({ id: `late-${extra}`, bot_id: SBOT, event: 'clicked', timestamp: ts })]);
    });
    assert.equal(new Set(ids).size, ids.length, 'no event repeated');
    for (const e of events) assert.ok(ids.includes(e.id as string), `missing ${e.id}`);
    // The first 15 come out ordered by (timestamp, id).
    assert.deepEqual(
      ids.filter((id) => id.startsWith('s-')),
      events.map((e) => e.id),
    );
  });

  test('property: any page size reads every event exactly once, in (timestamp, id) order', async () => {
    const PBOT = 'bot-prop';
    // Few distinct timestamps, many ties: page boundaries fall inside tie groups.
    const evs = Array.from({ length: 23 }, (_, i) =>
      tracking({
        id: `p-${(i * 7) % 23}`,
        bot_id: PBOT,
        event: 'tick',
        timestamp: new Date(base + (i % 4) * 1000).toISOString(),
      }),
    );
    assert.equal((await ingest(srv.url, token, evs)).status, 200);
    const expected = [...evs]
      .sort((a, b) =>
        a.timestamp === b.timestamp
          ? String(a.id) < String(b.id)
            ? -1
            : 1
          : String(a.timestamp) < String(b.timestamp)
            ? -1
            : 1,
      )
      .map((e) => e.id);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (size) => {
        const ids: unknown[] = [];
        let tok = '';
        for (let page = 0; page < 40; page++) {
          const res = await get(
            `/v1/bots/${PBOT}/events/stream?version=LIVE&${range}&page_size=${size}${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`,
          );
          const b = res.body as { events: { id: string }[]; next_page_token: string };
          assert.ok(b.events.length <= size);
          ids.push(...b.events.map((e) => e.id));
          if (!b.next_page_token) break;
          tok = b.next_page_token;
        }
        assert.deepEqual(ids, expected);
      }),
      { numRuns: 30 },
    );
  });

  test('attributes are JSON text; page_size coerced to 100; other version and range excluded', async () => {
    const res = await get(`/v1/bots/${SBOT}/events/stream?version=LIVE&${range}&page_size=1000`);
    assert.equal(res.status, 200);
    const b = res.body as { events: { id: string; attributes: string; bot_id: string }[]; next_page_token: string };
    assert.equal(b.next_page_token, '');
    const first = b.events.find((e) => e.id === 's-00');
    assert.deepEqual(JSON.parse(first?.attributes ?? ''), { i: 0 });
    const draft = await get(`/v1/bots/${SBOT}/events/stream?version=DRAFT&${range}`);
    assert.deepEqual((draft.body as { events: unknown[] }).events, []);
    const many = Array.from({ length: 120 }, (_, i) =>
      tracking({ bot_id: 'bot-many', event: 'e', timestamp: new Date(base + i).toISOString() }),
    );
    assert.equal((await ingest(srv.url, token, many)).status, 200);
    const big = await get(`/v1/bots/bot-many/events/stream?version=LIVE&${range}&page_size=500`);
    const bb = big.body as { events: unknown[]; next_page_token: string };
    assert.equal(bb.events.length, 100);
    assert.notEqual(bb.next_page_token, '');
    const dflt = await get(`/v1/bots/bot-many/events/stream?version=LIVE&${range}`);
    assert.equal((dflt.body as { events: unknown[] }).events.length, 50);
  });

  test('tampered or foreign page tokens and bad params answer 400', async () => {
    const res = await get(`/v1/bots/${SBOT}/events/stream?version=LIVE&${range}&page_size=2`);
    const tok = (res.body as { next_page_token: string }).next_page_token;
    assert.ok(tok);
    const [body, mac] = tok.split('.') as [string, string];
    const flipped = `${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}.${mac}`;
    const cases = [
      `version=LIVE&${range}&page_token=${encodeURIComponent(flipped)}`,
      `version=LIVE&${range}&page_token=${encodeURIComponent(`${body}.x${mac.slice(1)}`)}`,
      `version=DRAFT&${range}&page_token=${encodeURIComponent(tok)}`,
      `version=LIVE&start_time=2026-03-01T01:00:00Z&end_time=2026-03-02T00:00:00Z&page_token=${encodeURIComponent(tok)}`,
      `version=LIVE&${range}&page_token=abc`,
      `version=BETA&${range}`,
      `${range}`,
      'version=LIVE&start_time=nope&end_time=2026-03-02T00:00:00Z',
      'version=LIVE&start_time=2026-03-02T00:00:00Z&end_time=2026-03-01T00:00:00Z',
      `version=LIVE&${range}&page_size=-5`,
    ];
    for (const q of cases) {
      const r = await get(`/v1/bots/${SBOT}/events/stream?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.body as { code: number }).code, 3);
    }
    // A token from another bot's stream is foreign too.
    const r2 = await get(`/v1/bots/bot-many/events/stream?version=LIVE&${range}&page_token=${encodeURIComponent(tok)}`);
    assert.equal(r2.status, 400);
  });
});

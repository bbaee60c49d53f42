/**
 * POST /v1/bots/{bot_id}/events/track (Analytics_TrackEvent, CONTRACT-LIVE-API §1):
 * bad input per body field and path (400 naming it, nothing stored), tenancy (403 for
 * another team's bot, an unclaimed bot is claimed), dedupe, campaign mapping, and the
 * conversation joining rule on hand-made cases (the property test covers random mixes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { validateEvents } from '../../src/ingest/validate.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const TEAM = 'team-track';
const OTHER = 'team-other';
const BOT = 'bot-track';
const MIN = 60_000;
let srv: TestServer;
let token: string;
let otherToken: string;
// Every case uses its own user, far in the past, so cases never see each other's events.
const T0 = Date.parse('2026-11-02T10:00:00Z');
const at = (min: number): string => new Date(T0 + min * MIN).toISOString();

const track = (body: unknown, bot = BOT, tok = token) =>
  api(`${srv.url}/v1/bots/${encodeURIComponent(bot)}/events/track`, tok, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

const msg = (user: string, min: number, over: Record<string, unknown> = {}) => ({
  type: 'message',
  team_id: TEAM,
  bot_id: BOT,
  version: 'LIVE',
  user_id: user,
  direction: 'user',
  kind: 'text',
  intent: 'greet',
  channel_type: 'web',
  channel_id: 'site-1',
  language: 'nl',
  timestamp: at(min),
  ...over,
});

async function rows(where: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const rs = await srv.services.ch.query({
    query: `SELECT id, user_id, conversation_id, channel_type, channel_id, language, campaign_id, campaign_source,
                   attributes, toUnixTimestamp64Milli(ts) AS ms, bot_id, team_id, event_name
            FROM events WHERE ${where} ORDER BY ts, seq`,
    query_params: params,
    format: 'JSONEachRow',
  });
  return rs.json<Record<string, unknown>>();
}
const eventCount = async (): Promise<number> => {
  const rs = await srv.services.ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
  const [r] = await rs.json<{ n: number | string }>();
  return Number(r?.n);
};
const ofUser = (user: string) => rows('user_id = {u:String}', { u: user });
const trackingOf = (user: string) => rows(`user_id = {u:String} AND type = 'tracking'`, { u: user });

before(async () => {
  srv = await startTestServer();
  token = await srv.token(TEAM);
  otherToken = await srv.token(OTHER);
  // The bot is the team's from its first ingest.
  const r = await ingest(srv.url, token, [msg('seed', 0)]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => srv?.close());

describe('TrackEvent writes', () => {
  test('stores one tracking event and answers its id; without id one is generated', async () => {
    const r = await track({ id: 'ev-1', version: 'LIVE', user_id: 'w1', event: 'purchase', timestamp: at(1) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertMatchesSchema('Analytics_TrackEvent', r.body);
    assert.deepEqual(r.body, { event_id: 'ev-1' });
    const g = await track({ version: 'DRAFT', user_id: 'w1', event: 'viewed', attributes: { n: 2, ok: false } });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    const id = (g.body as { event_id: string }).event_id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const stored = await trackingOf('w1');
    assert.deepEqual(
      stored.map((e) => [e.id, e.event_name, e.team_id, e.bot_id, e.attributes]),
      [
        ['ev-1', 'purchase', TEAM, BOT, '{}'],
        [id, 'viewed', TEAM, BOT, '{"n":2,"ok":false}'],
      ],
    );
    // timestamp defaults to now.
    assert.ok(Math.abs(Number(stored[1]?.ms) - Date.now()) < 60_000);
  });

  test('a repeated id answers the same event_id and stores nothing more', async () => {
    const body = { id: 'dup-1', version: 'LIVE', user_id: 'w2', event: 'purchase', timestamp: at(2) };
    const a = await track(body);
    const b = await track({ ...body, event: 'other' });
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.deepEqual(a.body, { event_id: 'dup-1' });
    assert.deepEqual(b.body, { event_id: 'dup-1' });
    const stored = await trackingOf('w2');
    assert.deepEqual(
      stored.map((e) => [e.id, e.event_name]),
      [['dup-1', 'purchase']],
    );
  });

  test('campaign fields become campaign_id/source and campaign_* attributes', async () => {
    const r = await track({
      version: 'LIVE',
      user_id: 'w3',
      event: 'signup',
      timestamp: at(3),
      attributes: { plan: 'pro', campaign_term: 'same' },
      context: {
        campaign: { id: 'cmp-1', source: 'mail', medium: 'email', name: 'Spring', content: '', term: 'same' },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [e] = await trackingOf('w3');
    assert.equal(e?.campaign_id, 'cmp-1');
    assert.equal(e?.campaign_source, 'mail');
    assert.deepEqual(JSON.parse(String(e?.attributes)), {
      plan: 'pro',
      campaign_term: 'same',
      campaign_medium: 'email',
      campaign_name: 'Spring',
    });
  });

  test('an unclaimed bot is claimed for the token team', async () => {
    const r = await track({ version: 'LIVE', user_id: 'w4', event: 'first', timestamp: at(4) }, 'bot-fresh');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(await srv.services.bots.ownerOf('bot-fresh'), TEAM);
    // The other team now gets 403 there, as ingest would answer.
    const o = await track({ version: 'LIVE', user_id: 'w4', event: 'x' }, 'bot-fresh', otherToken);
    assert.equal(o.status, 403);
  });

  test("another team's bot answers 403 {code: 7}, stores nothing and stays theirs", async () => {
    const before = await eventCount();
    const r = await track({ version: 'LIVE', user_id: 'w5', event: 'steal', timestamp: at(5) }, BOT, otherToken);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal((r.body as { code: number }).code, 7);
    assert.equal(await eventCount(), before);
    assert.equal(await srv.services.bots.ownerOf(BOT), TEAM);
  });

  test('a token without the ingest scope answers 403', async () => {
    const readOnly = await srv.token(TEAM, ['read']);
    const r = await track({ version: 'LIVE', user_id: 'w6', event: 'x' }, BOT, readOnly);
    assert.equal(r.status, 403);
  });
});

describe('TrackEvent bad input: 400 naming the field, nothing stored', () => {
  const good = { version: 'LIVE', user_id: 'bad', event: 'e', timestamp: at(6) };
  const cases: [string, unknown, string][] = [
    ['body not an object', [good], ''],
    ['unknown field', { ...good, channel_type: 'web' }, 'channel_type'],
    ['id empty', { ...good, id: '' }, 'id'],
    ['id not a string', { ...good, id: 5 }, 'id'],
    ['id too long', { ...good, id: 'x'.repeat(129) }, 'id'],
    ['version missing', { ...good, version: undefined }, 'version'],
    ['version unknown', { ...good, version: 'PROD' }, 'version'],
    ['user_id missing', { ...good, user_id: undefined }, 'user_id'],
    ['user_id empty', { ...good, user_id: '' }, 'user_id'],
    ['user_id lone surrogate', { ...good, user_id: 'a\ud800' }, 'user_id'],
    ['user_id too long', { ...good, user_id: 'u'.repeat(129) }, 'user_id'],
    ['event missing', { ...good, event: undefined }, 'event'],
    ['event too long', { ...good, event: 'e'.repeat(257) }, 'event'],
    ['attributes array', { ...good, attributes: [1] }, 'attributes'],
    ['attribute object value', { ...good, attributes: { x: { y: 1 } } }, 'attributes.x'],
    ['attribute number out of range', { ...good, attributes: { big: 1e16 } }, 'attributes.big'],
    ['attribute string too long', { ...good, attributes: { s: 's'.repeat(1025) } }, 'attributes.s'],
    ['attribute key too long', { ...good, attributes: { ['k'.repeat(129)]: 1 } }, 'attributes'],
    ['timestamp not RFC 3339', { ...good, timestamp: '2026-11-02 10:00' }, 'timestamp'],
    ['timestamp without offset', { ...good, timestamp: '2026-11-02T10:00:00' }, 'timestamp'],
    ['timestamp in the future', { ...good, timestamp: new Date(Date.now() + 3_600_000).toISOString() }, 'timestamp'],
    ['context not an object', { ...good, context: 'c' }, 'context'],
    ['context unknown field', { ...good, context: { channel: 'web' } }, 'context.channel'],
    ['conversation_id not a string', { ...good, context: { conversation_id: 1 } }, 'context.conversation_id'],
    ['conversation_id too long', { ...good, context: { conversation_id: 'c'.repeat(129) } }, 'context.conversation_id'],
    ['campaign not an object', { ...good, context: { campaign: 1 } }, 'context.campaign'],
    ['campaign unknown field', { ...good, context: { campaign: { utm: 'x' } } }, 'context.campaign.utm'],
    ['campaign.id not a string', { ...good, context: { campaign: { id: 1 } } }, 'context.campaign.id'],
    ['campaign.id too long', { ...good, context: { campaign: { id: 'i'.repeat(1025) } } }, 'context.campaign.id'],
    [
      'campaign.source too long',
      { ...good, context: { campaign: { source: 's'.repeat(1025) } } },
      'context.campaign.source',
    ],
    [
      'campaign.medium too long',
      { ...good, context: { campaign: { medium: 'm'.repeat(1025) } } },
      'context.campaign.medium',
    ],
    ['conversation_id lone surrogate', { ...good, context: { conversation_id: 'c\ud800' } }, 'context.conversation_id'],
    ['campaign.id lone surrogate', { ...good, context: { campaign: { id: '\udfff' } } }, 'context.campaign.id'],
    [
      'campaign.source lone surrogate',
      { ...good, context: { campaign: { source: '\udfff' } } },
      'context.campaign.source',
    ],
    ['campaign.name lone surrogate', { ...good, context: { campaign: { name: '\udc00' } } }, 'context.campaign.name'],
    ['campaign.term not a string', { ...good, context: { campaign: { term: true } } }, 'context.campaign.term'],
    [
      'campaign.content conflicts with the attribute',
      { ...good, attributes: { campaign_content: 'a' }, context: { campaign: { content: 'b' } } },
      'context.campaign.content',
    ],
  ];
  for (const [name, body, field] of cases) {
    test(name, async () => {
      const before = await eventCount();
      const r = await track(body);
      assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.body)}`);
      const err = r.body as { code: number; details: { field?: string }[] };
      assert.equal(err.code, 3);
      if (field !== '') assert.equal(err.details[0]?.field, field, JSON.stringify(r.body));
      assert.equal(await eventCount(), before);
    });
  }

  test('bot_id path parameter: 400 naming it, nothing stored, nothing claimed', async () => {
    const before = await eventCount();
    const r = await track(good, 'bad bot!');
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal((r.body as { details: { parameter?: string }[] }).details[0]?.parameter, 'bot_id');
    assert.equal(await eventCount(), before);
    assert.equal(await srv.services.bots.ownerOf('bad bot!'), undefined);
  });

  test('a bad body on an unclaimed bot claims nothing', async () => {
    const r = await track({ ...good, version: 'X' }, 'bot-never');
    assert.equal(r.status, 400);
    assert.equal(await srv.services.bots.ownerOf('bot-never'), undefined);
  });
});

describe('TrackEvent joins the open conversation', () => {
  test('joins the open conversation and takes its channel_type, channel_id and language', async () => {
    await ingest(srv.url, token, [msg('j1', 0), msg('j1', 5, { language: 'fr', channel_id: 'site-2' })]);
    const r = await track({ version: 'LIVE', user_id: 'j1', event: 'buy', timestamp: at(19) });
    assert.equal(r.status, 200);
    const all = await ofUser('j1');
    const conv = all[0]?.conversation_id;
    assert.ok(typeof conv === 'string' && conv !== '');
    const t = all.find((e) => e.event_name === 'buy');
    // The conversation's first event's channel id and language, not the latest event's.
    assert.deepEqual([t?.conversation_id, t?.channel_type, t?.channel_id, t?.language], [conv, 'web', 'site-1', 'nl']);
  });

  test('outside every open conversation: empty conversation_id, no conversation opened or counted', async () => {
    await ingest(srv.url, token, [msg('j2', 0)]);
    // 15:00 after the message: the gap rule splits at exactly 15 minutes, so nothing is open.
    const r = await track({ version: 'LIVE', user_id: 'j2', event: 'buy', timestamp: at(15) });
    assert.equal(r.status, 200);
    const before = await trackingOf('j2');
    assert.deepEqual(
      before.map((e) => [e.conversation_id, e.channel_type, e.language]),
      [['', 'unknown', 'unknown']],
    );
    // A tracking event before any event of the user: none open either.
    await track({ version: 'LIVE', user_id: 'j2', event: 'early', timestamp: at(-1) });
    const convs = await srv.services.ch.query({
      query: "SELECT count() AS n FROM conversation_summary FINAL WHERE conversation_id = ''",
      format: 'JSONEachRow',
    });
    assert.equal(Number((await convs.json<{ n: string }>())[0]?.n), 0);
    // A later message within 15 min of the unjoined tracking event still starts its own conversation.
    await ingest(srv.url, token, [msg('j2', 20)]);
    const msgs = (await ofUser('j2')).filter((e) => e.event_name === '');
    assert.equal(msgs.length, 2);
    assert.notEqual(msgs[0]?.conversation_id, msgs[1]?.conversation_id);
  });

  test('the joined event extends the conversation for the gap rule of later messages', async () => {
    await ingest(srv.url, token, [msg('j3', 0)]);
    await track({ version: 'LIVE', user_id: 'j3', event: 'buy', timestamp: at(14) });
    // 27 min after the first message but 13 after the tracking event: the same conversation.
    await ingest(srv.url, token, [msg('j3', 27)]);
    const all = await ofUser('j3');
    assert.equal(all.length, 3);
    assert.equal(new Set(all.map((e) => e.conversation_id)).size, 1, JSON.stringify(all));
  });

  test('a joined event never bridges two stored conversations; the next message joins the latest', async () => {
    await ingest(srv.url, token, [msg('j7', 0)]);
    await ingest(srv.url, token, [msg('j7', 28)]);
    await track({ version: 'LIVE', user_id: 'j7', event: 'buy', timestamp: at(14) });
    // Within the gap of both the tracking event (A) and the message at 28 (B): joins B.
    await ingest(srv.url, token, [msg('j7', 28.5)]);
    const all = await ofUser('j7');
    const ids = all.map((e) => e.conversation_id);
    assert.deepEqual(
      all.map((e) => e.ms),
      [0, 14, 28, 28.5].map((m) => T0 + m * MIN),
    );
    assert.equal(ids[0], ids[1]);
    assert.notEqual(ids[1], ids[2]);
    assert.equal(ids[2], ids[3]);
  });

  test('on any channel; several open: the one with the latest event at or before t', async () => {
    await ingest(srv.url, token, [
      msg('j4', 0, { channel_type: 'whatsapp', channel_id: 'wa', language: 'en' }),
      msg('j4', 3, { channel_type: 'web' }),
    ]);
    await track({ version: 'LIVE', user_id: 'j4', event: 'a', timestamp: at(2) });
    await track({ version: 'LIVE', user_id: 'j4', event: 'b', timestamp: at(10) });
    const all = await ofUser('j4');
    const conv = (ch: string) => all.find((e) => e.event_name === '' && e.channel_type === ch)?.conversation_id;
    const t = (name: string) => all.find((e) => e.event_name === name);
    assert.deepEqual(
      [t('a')?.conversation_id, t('a')?.channel_type, t('a')?.language],
      [conv('whatsapp'), 'whatsapp', 'en'],
    );
    assert.deepEqual([t('b')?.conversation_id, t('b')?.channel_type], [conv('web'), 'web']);
  });

  test('context.conversation_id joins that conversation, used as is, taking its fields', async () => {
    await ingest(srv.url, token, [msg('j5', 0, { conversation_id: 'chat-j5', channel_type: 'voice', language: 'de' })]);
    // Hours later: a supplied id is never split by gaps.
    await track({
      version: 'LIVE',
      user_id: 'j5',
      event: 'a',
      timestamp: at(300),
      context: { conversation_id: 'chat-j5' },
    });
    // An id no event has used yet starts that conversation, with unknown channel and language.
    await track({
      version: 'LIVE',
      user_id: 'j5',
      event: 'b',
      timestamp: at(301),
      context: { conversation_id: 'new-j5' },
    });
    const t = await trackingOf('j5');
    assert.deepEqual(
      t.map((e) => [e.conversation_id, e.channel_type, e.language]),
      [
        ['chat-j5', 'voice', 'de'],
        ['new-j5', 'unknown', 'unknown'],
      ],
    );
    // A supplied conversation is the user's too: a later TrackEvent within the gap joins it.
    await track({ version: 'LIVE', user_id: 'j5', event: 'c', timestamp: at(310) });
    const [, , c] = await trackingOf('j5');
    assert.equal(c?.conversation_id, 'new-j5');
  });

  test('a message and a TrackEvent in one flush: the tracking event sees the message', async () => {
    const now = Date.now() - 10 * MIN;
    const checked = validateEvents([
      msg('j6', 0, { timestamp: new Date(now).toISOString() }),
      msg('j6', 0, { timestamp: new Date(now + 30_000).toISOString(), language: 'fr', channel_id: 'site-9' }),
      {
        type: 'tracking',
        team_id: TEAM,
        bot_id: BOT,
        version: 'LIVE',
        user_id: 'j6',
        event: 'buy',
        timestamp: new Date(now + MIN).toISOString(),
      },
      msg('j6', 0, { timestamp: new Date(now + 15 * MIN - 1).toISOString() }),
    ]);
    assert.ok(checked.ok);
    const [m1, m1b, t1, m2] = checked.events;
    assert.ok(m1 && m1b && t1 && m2);
    t1.via = 'track';
    // Written as one queue entry: one flush, in this ingest order.
    await srv.services.writer.write([m1, m1b, t1, m2]);
    const all = await ofUser('j6');
    assert.equal(all.length, 4);
    assert.equal(new Set(all.map((e) => e.conversation_id)).size, 1, JSON.stringify(all));
    // The conversation's first event's fields, from the same flush.
    assert.deepEqual([all[2]?.channel_type, all[2]?.channel_id, all[2]?.language], ['web', 'site-1', 'nl']);
  });

  test('joining through the flush a conversation whose stored events lie before the window', async () => {
    const now = Date.now() - 60 * MIN;
    const iso = (min: number) => new Date(now + min * MIN).toISOString();
    await ingest(srv.url, token, [msg('j8', 0, { timestamp: iso(0) })]);
    const checked = validateEvents([
      msg('j8', 0, { timestamp: iso(14), language: 'fr', channel_id: 'site-9' }),
      {
        type: 'tracking',
        team_id: TEAM,
        bot_id: BOT,
        version: 'LIVE',
        user_id: 'j8',
        event: 'buy',
        timestamp: iso(28),
      },
    ]);
    assert.ok(checked.ok);
    const [m, t] = checked.events;
    assert.ok(m && t);
    t.via = 'track';
    await srv.services.writer.write([m, t]);
    const all = await ofUser('j8');
    assert.equal(new Set(all.map((e) => e.conversation_id)).size, 1, JSON.stringify(all));
    // The stored first event (28 minutes before) decides, not the flush's message.
    assert.deepEqual([all[2]?.channel_id, all[2]?.language], ['site-1', 'nl']);
  });

  test('joined events count in the conversation metrics; unjoined ones do not', async () => {
    const bot = 'bot-metrics';
    const ev = (min: number) => ({ ...msg('m1', min), bot_id: bot });
    assert.equal((await ingest(srv.url, token, [ev(0)])).status, 200);
    await track({ version: 'LIVE', user_id: 'm1', event: 'in', timestamp: at(10) }, bot);
    await track({ version: 'LIVE', user_id: 'm1', event: 'out', timestamp: at(40) }, bot);
    const q = `version=LIVE&start_time=${encodeURIComponent(at(-60))}&end_time=${encodeURIComponent(at(120))}`;
    const c = await api(`${srv.url}/v1/bots/${bot}/conversations?${q}`, token);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal((c.body as { data: { series: { values: number[] }[] } }).data.series[0]?.values[0], 1);
    const i = await api(`${srv.url}/v1/bots/${bot}/conversations/insights?${q}&stat=duration_seconds`, token);
    assert.equal(i.status, 200, JSON.stringify(i.body));
    const ins = i.body as { data: { x_values: string[]; series: { values: number[] }[] } };
    // One conversation of 10 minutes (the message, then the joined tracking event).
    const values = ins.data.series[0]?.values ?? [];
    assert.equal(
      values.reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(ins.data.x_values[values.indexOf(1)], '600-1800');
    const conv = await srv.services.ch.query({
      query: `SELECT count() AS n, max(toUnixTimestamp64Milli(end_ts) - toUnixTimestamp64Milli(start_ts)) AS d,
                     max(event_count) AS events
              FROM conversation_summary FINAL WHERE bot_id = {bot:String}`,
      query_params: { bot },
      format: 'JSONEachRow',
    });
    const [s] = await conv.json<{ n: string; d: string; events: string }>();
    assert.deepEqual([Number(s?.n), Number(s?.d), Number(s?.events)], [1, 10 * MIN, 2]);
  });
});

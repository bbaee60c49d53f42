import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { BASE_MS, MIN, message, storedRows, uniq } from './fixtures.ts';

// CONTRACT §2 and §7: a gap of 15 minutes or more starts a new conversation; the key is
// bot, version, user and channel_type; a supplied conversation_id is kept as is.
describe('sessionization', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-sess';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team, ['ingest']);
  });
  after(async () => {
    await srv?.close();
  });

  const convsById = async (bot: string): Promise<Map<string, string>> =>
    new Map((await storedRows(srv.services.ch, bot)).map((r) => [r.id, r.conversation_id]));

  test('a 14:59 gap keeps one conversation, 15:00 splits', async () => {
    const bot = uniq('bot-gap');
    const t0 = BASE_MS;
    const t1 = t0 + 14 * MIN + 59_000;
    const t2 = t1 + 15 * MIN;
    const res = await ingest(srv.url, token, [
      message({ team, bot, id: 'a', at: t0 }),
      message({ team, bot, id: 'b', at: t1 }),
      message({ team, bot, id: 'c', at: t2 }),
    ]);
    assert.equal(res.status, 200);
    const c = await convsById(bot);
    assert.match(c.get('a') ?? '', /^sess_/);
    assert.equal(c.get('a'), c.get('b'));
    assert.notEqual(c.get('b'), c.get('c'));
  });

  test('the same gaps split the same way when sent one event per request', async () => {
    const bot = uniq('bot-gap-seq');
    const t1 = BASE_MS + 14 * MIN + 59_000;
    for (const [id, at] of [
      ['a', BASE_MS],
      ['b', t1],
      ['c', t1 + 15 * MIN],
    ] as const) {
      assert.equal((await ingest(srv.url, token, [message({ team, bot, id, at })])).status, 200);
    }
    const c = await convsById(bot);
    assert.equal(c.get('a'), c.get('b'));
    assert.notEqual(c.get('b'), c.get('c'));
  });

  test('out-of-order events in one request are sessionized by timestamp', async () => {
    const bot = uniq('bot-ooo');
    // Time order: a(0) b(10m) c(20m) | d(40m). In send order c, a, d, b no gap is < 15 min
    // between neighbours, but by time a-b-c is one conversation.
    const at = (m: number) => BASE_MS + m * MIN;
    await ingest(srv.url, token, [
      message({ team, bot, id: 'c', at: at(20) }),
      message({ team, bot, id: 'a', at: at(0) }),
      message({ team, bot, id: 'd', at: at(40) }),
      message({ team, bot, id: 'b', at: at(10) }),
    ]);
    const c = await convsById(bot);
    assert.equal(c.get('a'), c.get('b'));
    assert.equal(c.get('b'), c.get('c'));
    assert.notEqual(c.get('c'), c.get('d'));
  });

  test('a late event in a later request joins the conversation it falls into', async () => {
    const bot = uniq('bot-late');
    const at = (m: number) => BASE_MS + m * MIN;
    await ingest(srv.url, token, [
      message({ team, bot, id: 'a', at: at(0) }),
      message({ team, bot, id: 'c', at: at(20) }),
    ]);
    await ingest(srv.url, token, [message({ team, bot, id: 'b', at: at(10) })]);
    const c = await convsById(bot);
    assert.notEqual(c.get('a'), c.get('c'));
    assert.ok(c.get('b') === c.get('a') || c.get('b') === c.get('c'));
  });

  test('a supplied conversation_id is stored as is and does not join sessions', async () => {
    const bot = uniq('bot-supplied');
    await ingest(srv.url, token, [
      message({ team, bot, id: 'a', at: BASE_MS, conversation: 'client-conv-1' }),
      message({ team, bot, id: 'b', at: BASE_MS + MIN }),
      message({ team, bot, id: 'c', at: BASE_MS + 2 * MIN, conversation: 'client-conv-1' }),
    ]);
    const c = await convsById(bot);
    assert.equal(c.get('a'), 'client-conv-1');
    assert.equal(c.get('c'), 'client-conv-1');
    assert.match(c.get('b') ?? '', /^sess_/);
  });

  test('the key includes channel_type, user and version', async () => {
    const bot = uniq('bot-key');
    await ingest(srv.url, token, [
      message({ team, bot, id: 'web', at: BASE_MS, channel: 'web' }),
      message({ team, bot, id: 'wa', at: BASE_MS + MIN, channel: 'whatsapp' }),
      message({ team, bot, id: 'web2', at: BASE_MS + 2 * MIN, channel: 'web' }),
      message({ team, bot, id: 'other-user', at: BASE_MS + MIN, user: 'u2' }),
      message({ team, bot, id: 'draft', at: BASE_MS + MIN, version: 'DRAFT' }),
    ]);
    const c = await convsById(bot);
    assert.equal(c.get('web'), c.get('web2'));
    const distinct = new Set([c.get('web'), c.get('wa'), c.get('other-user'), c.get('draft')]);
    assert.equal(distinct.size, 4);
  });

  test('voice_call and kb_query events get no conversation', async () => {
    const bot = uniq('bot-usage');
    const common = { timestamp: new Date(BASE_MS).toISOString(), team_id: team, bot_id: bot, version: 'LIVE' };
    await ingest(srv.url, token, [
      { ...common, type: 'voice_call', duration_seconds: 12.5 },
      { ...common, type: 'kb_query', answered: true, user_id: 'u1' },
    ]);
    const rows = await storedRows(srv.services.ch, bot);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.conversation_id === ''));
  });

  test('a duplicate does not extend a conversation', async () => {
    const bot = uniq('bot-dup-sess');
    await ingest(srv.url, token, [message({ team, bot, id: 'a', at: BASE_MS })]);
    // 'a' again at +10 min is dropped before sessionization, so 'b' at +20 min
    // (20 min after the only stored event) starts a new conversation.
    const dup = await ingest(srv.url, token, [
      message({ team, bot, id: 'a', at: BASE_MS + 10 * MIN }),
      message({ team, bot, id: 'b', at: BASE_MS + 20 * MIN }),
    ]);
    assert.deepEqual(dup.body, { accepted: 1, duplicates: 1 });
    const c = await convsById(bot);
    assert.notEqual(c.get('a'), c.get('b'));
  });
});

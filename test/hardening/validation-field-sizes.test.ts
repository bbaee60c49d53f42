import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ATTRIBUTE_KEY_MAX_CHARS,
  ATTRIBUTE_VALUE_MAX_CHARS,
  ATTRIBUTES_MAX_BYTES,
  FIELD_MAX_CHARS,
} from '../../src/ingest/limits.ts';
import { iso } from '../foundation/fixtures.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 9, field sizes: a 1 MiB intent or attributes object was accepted and then sent
// back by every intents answer. Each string field has a cap (src/ingest/limits.ts,
// README "Limits"): exactly the cap is accepted, one more is a 400 naming index and field.
describe('ingest field size caps', () => {
  let srv: TestServer;
  let token: string;
  let longTeamToken: string;
  const team = 'team-sizes';
  const longTeam = 't'.repeat(128);
  let n = 0;
  // Ids padded to an exact length, unique per call.
  const padded = (prefix: string, len: number) => {
    const base = `${prefix}${++n}-`;
    return base + 'x'.repeat(len - base.length);
  };
  const at = iso(Date.now() - 60_000);

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team);
    longTeamToken = await srv.token(longTeam);
  });
  after(async () => {
    await srv?.close();
  });

  test('documents the caps the README and OpenAPI state', () => {
    assert.equal(FIELD_MAX_CHARS.intent, 1024);
    assert.equal(FIELD_MAX_CHARS.bot_id, 128);
    assert.equal(FIELD_MAX_CHARS.user_id, 128);
    assert.equal(FIELD_MAX_CHARS.event, 256);
    assert.equal(ATTRIBUTE_KEY_MAX_CHARS, 128);
    assert.equal(ATTRIBUTE_VALUE_MAX_CHARS, 1024);
    assert.equal(ATTRIBUTES_MAX_BYTES, 16 * 1024);
  });

  const message = (bot: string, over: Record<string, unknown> = {}) => ({
    type: 'message',
    team_id: team,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    timestamp: at,
    direction: 'user',
    kind: 'text',
    intent: 'greet',
    ...over,
  });
  const step = (bot: string, over: Record<string, unknown> = {}) => ({
    type: 'step',
    team_id: team,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    timestamp: at,
    step_id: 's1',
    ...over,
  });
  const tracking = (bot: string, over: Record<string, unknown> = {}) => ({
    type: 'tracking',
    team_id: team,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    timestamp: at,
    event: 'clicked',
    ...over,
  });

  /** An attributes object whose JSON text is exactly `bytes` bytes. */
  const attributesOf = (bytes: number): Record<string, string> => {
    const o: Record<string, string> = {};
    let i = 0;
    // Entries of ~510 bytes, then one that makes up the rest (< 600, under the value cap).
    while (bytes - Buffer.byteLength(JSON.stringify(o)) > 600) o[`k${i++}`] = 'v'.repeat(500);
    const rest = bytes - Buffer.byteLength(JSON.stringify(o)) - `,"z":""`.length;
    o.z = 'v'.repeat(rest);
    assert.equal(Buffer.byteLength(JSON.stringify(o)), bytes);
    return o;
  };

  // [field named in the error, event with the field at `len` characters]
  type Case = [string, number, (bot: string, len: number) => Record<string, unknown>];
  const text = (len: number) => 'a'.repeat(len);
  const cases: Case[] = [
    ['id', FIELD_MAX_CHARS.id, (b, l) => message(b, { id: padded('id', l) })],
    ['user_id', FIELD_MAX_CHARS.user_id, (b, l) => message(b, { user_id: text(l) })],
    ['conversation_id', FIELD_MAX_CHARS.conversation_id, (b, l) => message(b, { conversation_id: text(l) })],
    ['intent', FIELD_MAX_CHARS.intent, (b, l) => message(b, { intent: text(l) })],
    ['channel_type', FIELD_MAX_CHARS.channel_type, (b, l) => message(b, { channel_type: text(l) })],
    ['channel_id', FIELD_MAX_CHARS.channel_id, (b, l) => message(b, { channel_id: text(l) })],
    ['language', FIELD_MAX_CHARS.language, (b, l) => message(b, { language: text(l) })],
    ['campaign_id', FIELD_MAX_CHARS.campaign_id, (b, l) => message(b, { campaign_id: text(l) })],
    ['campaign_source', FIELD_MAX_CHARS.campaign_source, (b, l) => message(b, { campaign_source: text(l) })],
    ['kind', FIELD_MAX_CHARS.kind, (b, l) => message(b, { direction: 'bot', kind: text(l), intent: null })],
    ['step_id', FIELD_MAX_CHARS.step_id, (b, l) => step(b, { step_id: text(l) })],
    ['step_type', FIELD_MAX_CHARS.step_type, (b, l) => step(b, { step_type: text(l) })],
    ['event', FIELD_MAX_CHARS.event, (b, l) => tracking(b, { event: text(l) })],
    ['attributes', ATTRIBUTE_KEY_MAX_CHARS, (b, l) => tracking(b, { attributes: { [text(l)]: 1 } })],
    ['attributes.k', ATTRIBUTE_VALUE_MAX_CHARS, (b, l) => tracking(b, { attributes: { k: text(l) } })],
    ['attributes', ATTRIBUTES_MAX_BYTES, (b, l) => tracking(b, { attributes: attributesOf(l) })],
  ];

  const post = (events: object[], t = token) =>
    api(`${srv.url}/v1/ingest`, t, {
      method: 'POST',
      body: events.map((e) => JSON.stringify(e)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
  const stored = async (bot: string): Promise<number> => {
    const res = await srv.services.ch.query({
      query: 'SELECT count() AS n FROM events WHERE bot_id = {b:String}',
      query_params: { b: bot },
      format: 'JSONEachRow',
    });
    return Number((await res.json<{ n: number }>())[0]?.n);
  };

  test('every field at exactly its cap is accepted and stored as sent', async () => {
    const bot = padded('bot-exact', 40);
    const events = cases.map(([, cap, make]) => make(bot, cap));
    const res = await post(events);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.deepEqual(res.body, { accepted: events.length, duplicates: 0 });
    const intents = await srv.services.ch.query({
      query: "SELECT max(length(intent)) AS n FROM events WHERE bot_id = {b:String} AND type = 'message'",
      query_params: { b: bot },
      format: 'JSONEachRow',
    });
    assert.equal(Number((await intents.json<{ n: number }>())[0]?.n), FIELD_MAX_CHARS.intent);
    // team_id and bot_id at 128 (their own token: the team must be the token's).
    const longBot = padded('b', 128);
    const ids = await post([{ ...message(longBot), team_id: longTeam }], longTeamToken);
    assert.equal(ids.status, 200, JSON.stringify(ids.body));
  });

  for (const [field, cap, make] of cases) {
    test(`${field} at ${cap} + 1 → 400 naming index 1 and ${field}, nothing stored`, async () => {
      const bot = padded('bot-over', 40);
      const res = await post([message(bot), make(bot, cap + 1)]);
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 500));
      const env = res.body as Envelope;
      assert.equal(env.code, 3);
      assert.equal(env.details[0]?.index, 1, JSON.stringify(env).slice(0, 500));
      assert.equal(env.details[0]?.field, field, JSON.stringify(env).slice(0, 500));
      assert.ok(JSON.stringify(env).length < 2000, 'the error does not echo the oversized value');
      assert.equal(await stored(bot), 0);
      assert.equal(await srv.services.bots.ownerOf(bot), undefined);
    });
  }

  test('team_id and bot_id at 129 → 400 naming them, nothing stored', async () => {
    const bot = padded('b', 129);
    const res = await post([message(bot)]);
    assert.equal(res.status, 400);
    assert.equal((res.body as Envelope).details[0]?.field, 'bot_id');
    const team129 = await post([{ ...message('bot-t129'), team_id: `${longTeam}t` }]);
    assert.equal(team129.status, 400);
    assert.equal((team129.body as Envelope).details[0]?.field, 'team_id');
    assert.equal(await stored(bot), 0);
    assert.equal(await stored('bot-t129'), 0);
  });
});

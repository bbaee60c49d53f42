import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { message, storedRows, uniq } from '../foundation/fixtures.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 9 F5: a lone surrogate escape ("\ud800") made the engine refuse the insert (500),
// and invalid UTF-8 bytes were stored as U+FFFD. Both are a 400 naming the event index and
// the field, storing nothing.
describe('ingest text must be valid Unicode', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-utf8';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team, ['ingest', 'read']);
  });
  after(async () => {
    await srv?.close();
  });

  const post = async (body: Uint8Array | string, contentType = 'application/x-ndjson') => {
    const res = await fetch(`${srv.url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      // A copy typed over a plain ArrayBuffer, which fetch's BodyInit accepts.
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return { status: res.status, body: (await res.json()) as Envelope };
  };
  const ownerOf = (bot: string) => srv.services.bots.ownerOf(bot);

  const tracking = (bot: string, over: Record<string, unknown> = {}) => ({
    type: 'tracking',
    team_id: team,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    event: 'clicked',
    attributes: { k: 'v' },
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    ...over,
  });

  // JSON text with a placeholder (@) where a lone surrogate escape goes.
  const surrogateCases: [string, (bot: string) => Record<string, unknown>, string][] = [
    ['user_id', (bot) => ({ ...message({ team, bot }), user_id: 'u@' }), 'user_id'],
    ['intent', (bot) => ({ ...message({ team, bot }), intent: '@' }), 'intent'],
    ['channel_type', (bot) => ({ ...message({ team, bot }), channel_type: 'web@' }), 'channel_type'],
    ['event name', (bot) => tracking(bot, { event: '@x' }), 'event'],
    ['attribute value', (bot) => tracking(bot, { attributes: { k: '@' } }), 'attributes.k'],
    ['attribute key', (bot) => tracking(bot, { attributes: { '@': 1 } }), 'attributes'],
  ];

  for (const [what, make, field] of surrogateCases) {
    for (const esc of ['\\ud800', '\\udfff']) {
      test(`a lone surrogate (${esc}) in ${what} → 400 naming index 1 and ${field}, nothing stored`, async () => {
        const bot = uniq('bot-sur');
        const bad = JSON.stringify(make(bot)).replace('@', esc);
        const res = await post([JSON.stringify(message({ team, bot })), bad].join('\n'));
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 3);
        assert.equal(res.body.details[0]?.index, 1, JSON.stringify(res.body));
        assert.equal(res.body.details[0]?.field, field, JSON.stringify(res.body));
        assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
        assert.equal(await ownerOf(bot), undefined);
      });
    }
  }

  const withBytes = (text: string, bytes: number[]): Buffer => {
    const [head, tail] = text.split('@') as [string, string];
    return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
  };
  const badSequences: [string, number[]][] = [
    ['0xFF', [0xff]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a truncated sequence (E2 82)', [0xe2, 0x82]],
  ];

  for (const [what, bytes] of badSequences) {
    test(`invalid UTF-8 (${what}) in NDJSON, an array and {"events"} → 400 naming index and field`, async () => {
      const bot = uniq('bot-u8');
      const good = JSON.stringify(message({ team, bot }));
      const bodies: [string, Buffer, string, number, string][] = [
        [
          'ndjson',
          withBytes(`${good}\n${good}\n${JSON.stringify({ ...message({ team, bot }), user_id: 'u@' })}`, bytes),
          'application/x-ndjson',
          2,
          'user_id',
        ],
        [
          'array',
          withBytes(`[${good},${JSON.stringify(tracking(bot, { attributes: { k: 'a@b' } }))}]`, bytes),
          'application/json',
          1,
          'attributes.k',
        ],
        [
          'events',
          withBytes(
            `{"events":[${good},${good},${good},${JSON.stringify({ ...message({ team, bot }), intent: '@' })}]}`,
            bytes,
          ),
          'application/json',
          3,
          'intent',
        ],
      ];
      for (const [form, body, type, index, field] of bodies) {
        const res = await post(body, type);
        assert.equal(res.status, 400, `${form}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 3);
        assert.equal(res.body.details[0]?.index, index, `${form}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.details[0]?.field, field, `${form}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, /UTF-8/);
      }
      assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
      assert.equal(await ownerOf(bot), undefined);
    });
  }

  test('valid multi-byte text (é, 中, an emoji as a surrogate pair escape) is stored as sent', async () => {
    const bot = uniq('bot-ok');
    const pair = JSON.stringify({ ...message({ team, bot, id: 'pair' }), user_id: 'u@' }).replace(
      '@',
      '\\ud83d\\ude00',
    );
    const raw = JSON.stringify({ ...message({ team, bot, id: 'raw' }), user_id: 'é中😀' });
    const res = await post(Buffer.from(`${pair}\n${raw}`));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const users = (await storedRows(srv.services.ch, bot)).map((r) => r.user_id).sort();
    assert.deepEqual(users, ['u😀', 'é中😀'].sort());
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uniq } from '../foundation/fixtures.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

// Every number of a Serie is an int32 in the API document.
const SERIE_MAX = 2_147_483_647;

// Issue 9 F6: one voice_call of 1e308 s made GET /v1/teams/T/voice_minutes answer
// 9223372036854776000 (the schema says int32) and later calls wrap. Numbers are bounded
// at ingest, and every series value saturates at int32's maximum instead of wrapping.
describe('numeric bounds and int32 series', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-bounds';
  const hourMs = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000;
  const at = new Date(hourMs + 60_000).toISOString();
  const usage = () =>
    api(
      `${srv.url}/v1/teams/${team}/voice_minutes?start_time=${new Date(hourMs).toISOString()}&end_time=${new Date(hourMs + 3 * 3600_000).toISOString()}&bucket=1h`,
      token,
    );
  const minutes = async (): Promise<{ values: number[]; sum: number; max: number; mean: number }> => {
    const res = await usage();
    assert.equal(res.status, 200, JSON.stringify(res.body));
    type Serie = { values: number[]; sum: number; max: number; mean: number };
    const [serie] = (res.body as { data: { series: Serie[] } }).data.series;
    assert.ok(serie);
    return serie;
  };

  before(async () => {
    srv = await startTestServer({ queryTimeoutSeconds: 120 });
    token = await srv.token(team);
  });
  after(async () => {
    await srv?.close();
  });

  const post = (text: string) =>
    api(`${srv.url}/v1/ingest`, token, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/x-ndjson' },
    });
  const call = (bot: string, duration: string) =>
    `{"type":"voice_call","team_id":"${team}","bot_id":"${bot}","version":"LIVE","timestamp":"${at}","duration_seconds":${duration}}`;
  const tracking = (bot: string, attributes: string) =>
    `{"type":"tracking","team_id":"${team}","bot_id":"${bot}","version":"LIVE","user_id":"u","timestamp":"${at}","event":"e","attributes":${attributes}}`;
  const msg = (bot: string, confidence: string) =>
    `{"type":"message","team_id":"${team}","bot_id":"${bot}","version":"LIVE","user_id":"u","timestamp":"${at}","direction":"user","kind":"text","intent":"i","confidence":${confidence}}`;

  const stored = async (bot: string): Promise<number> => {
    const res = await srv.services.ch.query({
      query: 'SELECT count() AS n FROM events WHERE bot_id = {b:String}',
      query_params: { b: bot },
      format: 'JSONEachRow',
    });
    return Number((await res.json<{ n: number }>())[0]?.n);
  };

  const refused: [string, (bot: string) => string, string][] = [
    ['a 1e308 s call', (b) => call(b, '1e308'), 'duration_seconds'],
    ['a call of 24 h + 1 ms', (b) => call(b, '86400.001'), 'duration_seconds'],
    ['a negative call', (b) => call(b, '-1'), 'duration_seconds'],
    ['a call of 1e400 (Infinity once parsed)', (b) => call(b, '1e400'), 'duration_seconds'],
    ['confidence above 1', (b) => msg(b, '1.0000001'), 'confidence'],
    ['an attribute number above 1e15', (b) => tracking(b, '{"n":1000000000000001}'), 'attributes.n'],
    ['an attribute number below -1e15', (b) => tracking(b, '{"n":-1.5e15}'), 'attributes.n'],
    ['an attribute number of 1e400 (stored as null before)', (b) => tracking(b, '{"n":1e400}'), 'attributes.n'],
  ];
  for (const [what, make, field] of refused) {
    test(`${what} → 400 naming index 1 and ${field}, nothing stored`, async () => {
      const bot = uniq('bot-num');
      const res = await post([call(bot, '60'), make(bot)].join('\n'));
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const env = res.body as Envelope;
      assert.equal(env.code, 3);
      assert.equal(env.details[0]?.index, 1, JSON.stringify(env));
      assert.equal(env.details[0]?.field, field, JSON.stringify(env));
      assert.equal(await stored(bot), 0);
      assert.equal(await srv.services.bots.ownerOf(bot), undefined);
    });
  }

  test('the bounds themselves are accepted (24 h call, confidence 0 and 1, ±1e15)', async () => {
    const bot = uniq('bot-edge');
    const res = await post(
      [call(bot, '86400'), call(bot, '0'), msg(bot, '0'), msg(bot, '1'), tracking(bot, '{"a":1e15,"b":-1e15}')].join(
        '\n',
      ),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await stored(bot), 5);
  });

  // Seeded straight into the engine: 1.5 M calls would take minutes through HTTP.
  const seedCalls = async (bot: string, n: number, seconds: number) => {
    await srv.services.bots.claim(bot, team);
    await srv.services.ch.command({
      query: `INSERT INTO events (team_id, bot_id, version, type, ts, seq, id, id_supplied, ingested_at, duration_seconds)
              SELECT {team:String}, {bot:String}, 'LIVE', 'voice_call', fromUnixTimestamp64Milli({ts:Int64}), 0,
                     concat('seed-', toString(number)), 0, now64(3), {d:Float64}
              FROM numbers({n:UInt64})`,
      query_params: { team, bot, ts: hourMs + 120_000, n, d: String(seconds) },
    });
  };

  test('a call stored before the bound (1e308 s) counts 24 h, not a wrapped number', async () => {
    const before = await minutes();
    await seedCalls(uniq('bot-old'), 1, 1e308);
    const after = await minutes();
    assert.equal(after.sum - before.sum, 1440, JSON.stringify(after));
  });

  test('voice minutes above int32 saturate at 2147483647 (values, max, sum), never wrap', async () => {
    // 1,491,309 calls of 24 h = 2,147,484,960 minutes, just past 2^31 - 1, in one hour.
    const calls = Math.ceil(SERIE_MAX / 1440) + 1;
    await seedCalls(uniq('bot-many'), calls, 86_400);
    const serie = await minutes();
    assert.equal(serie.values.length, 3);
    assert.equal(serie.values[0], SERIE_MAX, JSON.stringify(serie));
    assert.equal(serie.max, SERIE_MAX);
    assert.equal(serie.sum, SERIE_MAX);
    assert.ok(serie.values.every((v) => Number.isInteger(v) && v >= 0 && v <= SERIE_MAX));
    assert.ok(serie.mean >= 0 && serie.mean <= SERIE_MAX);
  });
});

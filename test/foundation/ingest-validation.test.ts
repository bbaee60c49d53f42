import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Envelope } from '../helpers/envelope.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { iso, message, messages, ndjson, storedRows, uniq } from './fixtures.ts';

// CONTRACT §1: one bad event → 400 with index and reason, and nothing of the request stored;
// limits → 413.
describe('ingest validation is all-or-nothing', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-val';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team, ['ingest']);
  });
  after(async () => {
    await srv?.close();
  });

  const post = (body: string, contentType = 'application/x-ndjson') =>
    api(`${srv.url}/v1/ingest`, token, { method: 'POST', body, headers: { 'content-type': contentType } });

  const assertEnvelope = (body: unknown, code: number): Envelope => {
    const env = body as Envelope;
    assert.equal(env.code, code, JSON.stringify(body));
    assert.equal(typeof env.message, 'string');
    assert.ok(Array.isArray(env.details));
    return env;
  };

  // Each case: a patch applied to a valid event placed at index 2 of a batch of 4.
  const badEvents: [string, (e: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    ['unknown field', (e) => ({ ...e, colour: 'red' }), /unknown field "colour"/],
    ['field of another type (step_id on a message)', (e) => ({ ...e, step_id: 's' }), /unknown field "step_id"/],
    ['user_id as a number', (e) => ({ ...e, user_id: 42 }), /user_id/],
    ['confidence as a string', (e) => ({ ...e, confidence: '0.5' }), /confidence/],
    ['confidence above 1', (e) => ({ ...e, confidence: 1.5 }), /confidence/],
    ['intent as a number', (e) => ({ ...e, intent: 3 }), /intent/],
    ['absent timestamp', ({ timestamp: _t, ...e }) => e, /timestamp/],
    ['non-RFC-3339 timestamp', (e) => ({ ...e, timestamp: '2026-01-01 10:00' }), /timestamp/],
    ['timestamp without offset', (e) => ({ ...e, timestamp: '2026-01-01T10:00:00' }), /timestamp/],
    ['impossible date', (e) => ({ ...e, timestamp: '2026-02-30T10:00:00Z' }), /timestamp/],
    ['timestamp as a number', (e) => ({ ...e, timestamp: Date.now() }), /timestamp/],
    ['timestamp 6 min in the future', (e) => ({ ...e, timestamp: iso(Date.now() + 6 * 60_000) }), /future/],
    ['team_id with a space', (e) => ({ ...e, team_id: 'team val' }), /team_id/],
    ['bot_id with a slash', (e) => ({ ...e, bot_id: 'bot/1' }), /bot_id/],
    ['bot_id of 129 chars', (e) => ({ ...e, bot_id: 'b'.repeat(129) }), /bot_id/],
    ['empty bot_id', (e) => ({ ...e, bot_id: '' }), /bot_id/],
    ['message without user_id', ({ user_id: _u, ...e }) => e, /user_id/],
    ['bad version', (e) => ({ ...e, version: 'live' }), /version/],
    ['bad type', (e) => ({ ...e, type: 'click' }), /type/],
    ['bad direction', (e) => ({ ...e, direction: 'both' }), /direction/],
    ['event that is not an object', () => [1, 2] as unknown as Record<string, unknown>, /object/],
  ];

  for (const [name, patch, reason] of badEvents) {
    test(`${name} → 400 naming index 2, nothing stored`, async () => {
      const bot = uniq('bot-bad');
      const evs: object[] = messages(4, { team, bot, idPrefix: 'v' });
      evs[2] = patch({ ...(evs[2] as Record<string, unknown>) });
      const res = await ingest(srv.url, token, evs);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const env = assertEnvelope(res.body, 3);
      assert.equal(env.details.length, 1, JSON.stringify(env.details));
      assert.equal(env.details[0]?.index, 2);
      assert.match(env.details[0]?.reason ?? '', reason);
      assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
    });
  }

  test('every bad event is listed (at most 100), nothing stored', async () => {
    const bot = uniq('bot-many-bad');
    const evs = messages(150, { team, bot, idPrefix: 'm' }).map((e, i) => (i % 2 === 1 ? { ...e, version: 'x' } : e));
    const res = await ingest(srv.url, token, evs);
    assert.equal(res.status, 400);
    const env = assertEnvelope(res.body, 3);
    assert.equal(env.details.length, 75);
    assert.deepEqual(
      env.details.slice(0, 3).map((d) => d.index),
      [1, 3, 5],
    );
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });

  test('a timestamp 4 minutes in the future is accepted', async () => {
    const bot = uniq('bot-future');
    const res = await ingest(srv.url, token, [message({ team, bot, at: Date.now() + 4 * 60_000 })]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  test('malformed JSON document → 400 envelope, nothing stored', async () => {
    const bot = uniq('bot-malformed');
    const good = JSON.stringify(messages(2, { team, bot, idPrefix: 'j' }));
    const res = await post(good.slice(0, -5), 'application/json');
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assertEnvelope(res.body, 3);
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });

  test('malformed NDJSON line → 400 naming the line, nothing stored', async () => {
    const bot = uniq('bot-ndjson');
    const lines = messages(3, { team, bot, idPrefix: 'n' }).map((e) => JSON.stringify(e));
    lines[1] = '{"type": "message",';
    const res = await post(lines.join('\n'));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const env = assertEnvelope(res.body, 3);
    assert.equal(env.details[0]?.line, 2);
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });

  test('a body that is neither events nor a list of them → 400', async () => {
    for (const body of ['{"events": 3}', '"hello"', '42', '{"nope": []}']) {
      const res = await post(body, 'application/json');
      assert.equal(res.status, 400, `${body}: ${JSON.stringify(res.body)}`);
      assertEnvelope(res.body, 3);
    }
  });

  test('empty body → 400 envelope', async () => {
    for (const body of ['', '   \n  ']) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assertEnvelope(res.body, 3);
    }
  });

  test('more than 50,000 events → 413 {code: 8}, nothing stored', async () => {
    const bot = uniq('bot-many');
    // Short events so the body stays under 10 MiB and the count limit is what trips.
    const line = JSON.stringify({
      type: 'kb_query',
      timestamp: iso(Date.now() - 3600_000),
      team_id: team,
      bot_id: bot,
      version: 'LIVE',
      answered: true,
    });
    for (const [body, type] of [
      [Array(50_001).fill(line).join('\n'), 'application/x-ndjson'],
      [`[${Array(50_001).fill(line).join(',')}]`, 'application/json'],
    ] as const) {
      assert.ok(Buffer.byteLength(body) < 10 * 1024 * 1024);
      const res = await post(body, type);
      assert.equal(res.status, 413, JSON.stringify(res.body).slice(0, 300));
      assertEnvelope(res.body, 8);
    }
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });

  test('exactly 50,000 events is accepted', async () => {
    const bot = uniq('bot-50k');
    const line = JSON.stringify({
      type: 'kb_query',
      timestamp: iso(Date.now() - 3600_000),
      team_id: team,
      bot_id: bot,
      version: 'LIVE',
      answered: false,
    });
    const res = await post(Array(50_000).fill(line).join('\n'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accepted: 50_000, duplicates: 0 });
  });

  test('a body over 10 MiB → 413 envelope, nothing stored', async () => {
    const bot = uniq('bot-big');
    const ev = { ...message({ team, bot }), user_id: 'u'.repeat(1000) };
    const line = JSON.stringify(ev);
    const body = Array(Math.ceil((10 * 1024 * 1024) / line.length) + 10)
      .fill(line)
      .join('\n');
    assert.ok(Buffer.byteLength(body) > 10 * 1024 * 1024);
    const res = await post(body);
    assert.equal(res.status, 413, JSON.stringify(res.body).slice(0, 300));
    assertEnvelope(res.body, 8);
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });

  test('ndjson helper output is what the server accepts', async () => {
    const bot = uniq('bot-ok');
    const res = await post(ndjson(messages(2, { team, bot, idPrefix: 'ok' })));
    assert.deepEqual(res.body, { accepted: 2, duplicates: 0 });
  });
});

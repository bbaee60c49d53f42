import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { countById, messages, ndjson, storedRows, uniq } from './fixtures.ts';

// CONTRACT §1: the three body forms, the stored rows, accepted/duplicates and the 24 h id dedupe.
describe('ingest round trips and dedupe', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-rt';

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team, ['ingest']);
  });
  after(async () => {
    await srv?.close();
  });

  const post = (body: string, contentType: string) =>
    api(`${srv.url}/v1/ingest`, token, { method: 'POST', body, headers: { 'content-type': contentType } });

  const forms: [string, (evs: object[]) => string, string][] = [
    ['NDJSON', ndjson, 'application/x-ndjson'],
    ['JSON array', (evs) => JSON.stringify(evs), 'application/json'],
    ['{events}', (evs) => JSON.stringify({ events: evs }), 'application/json'],
  ];
  for (const [name, encode, contentType] of forms) {
    test(`${name} body: 200 with counts, rows stored as sent`, async () => {
      const bot = uniq('bot-form');
      const evs = messages(5, { team, bot, idPrefix: `${name}-id`, user: 'alice' });
      const res = await post(encode(evs), contentType);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { accepted: 5, duplicates: 0 });
      const rows = await storedRows(srv.services.ch, bot);
      assert.deepEqual(
        rows.map((r) => r.id),
        evs.map((e) => e.id),
      );
      for (const [i, r] of rows.entries()) {
        assert.equal(r.type, 'message');
        assert.equal(r.user_id, 'alice');
        assert.equal(r.channel_type, 'web');
        assert.equal(r.intent, 'greet');
        assert.equal(r.has_intent, 1);
        assert.equal(Date.parse(r.ts), Date.parse(evs[i]?.timestamp as string));
        assert.match(r.conversation_id, /^sess_/);
      }
    });
  }

  test('NDJSON without a content type and with blank lines / CRLF is still NDJSON', async () => {
    const bot = uniq('bot-crlf');
    const evs = messages(3, { team, bot, idPrefix: 'crlf' });
    const body = `${evs.map((e) => JSON.stringify(e)).join('\r\n\r\n')}\n`;
    const res = await post(body, 'text/plain');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accepted: 3, duplicates: 0 });
    assert.equal((await storedRows(srv.services.ch, bot)).length, 3);
  });

  test('events without id get one generated and are never deduplicated', async () => {
    const bot = uniq('bot-noid');
    const ev = messages(1, { team, bot, idPrefix: 'x' }).map(({ id: _id, ...rest }) => rest);
    assert.deepEqual((await ingest(srv.url, token, [...ev, ...ev])).body, { accepted: 2, duplicates: 0 });
    const rows = await storedRows(srv.services.ch, bot);
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0]?.id, rows[1]?.id);
    assert.ok(rows.every((r) => r.id.length > 0));
  });

  test('same id twice in one request: stored once, A + D = sent', async () => {
    const bot = uniq('bot-dup1');
    const [a, b] = messages(2, { team, bot, idPrefix: 'same' });
    const res = await ingest(srv.url, token, [a as object, b as object, a as object]);
    assert.deepEqual(res.body, { accepted: 2, duplicates: 1 });
    const counts = countById(await storedRows(srv.services.ch, bot));
    assert.deepEqual([...counts.values()], [1, 1]);
  });

  test('same ids across requests are duplicates; new ones in the same request are accepted', async () => {
    const bot = uniq('bot-dup2');
    const evs = messages(6, { team, bot, idPrefix: 'across' });
    assert.deepEqual((await ingest(srv.url, token, evs.slice(0, 4))).body, { accepted: 4, duplicates: 0 });
    assert.deepEqual((await ingest(srv.url, token, evs)).body, { accepted: 2, duplicates: 4 });
    assert.deepEqual((await ingest(srv.url, token, evs)).body, { accepted: 0, duplicates: 6 });
    const counts = countById(await storedRows(srv.services.ch, bot));
    assert.equal(counts.size, 6);
    assert.ok([...counts.values()].every((n) => n === 1));
  });

  test('concurrent requests with overlapping ids store each id once', async () => {
    const bot = uniq('bot-dup3');
    const evs = messages(20, { team, bot, idPrefix: 'conc' });
    const results = await Promise.all([
      ingest(srv.url, token, evs),
      ingest(srv.url, token, evs),
      ingest(srv.url, token, evs.slice(10)),
    ]);
    let accepted = 0;
    for (const r of results) {
      assert.equal(r.status, 200);
      const body = r.body as { accepted: number; duplicates: number };
      accepted += body.accepted;
    }
    assert.equal(accepted, 20);
    const counts = countById(await storedRows(srv.services.ch, bot));
    assert.equal(counts.size, 20);
    assert.ok([...counts.values()].every((n) => n === 1));
  });

  test('the same id on another bot is not a duplicate', async () => {
    const botA = uniq('bot-a');
    const botB = uniq('bot-b');
    const a = messages(2, { team, bot: botA, idPrefix: 'shared' });
    const b = messages(2, { team, bot: botB, idPrefix: 'shared' });
    assert.deepEqual((await ingest(srv.url, token, a)).body, { accepted: 2, duplicates: 0 });
    assert.deepEqual((await ingest(srv.url, token, b)).body, { accepted: 2, duplicates: 0 });
    assert.equal((await storedRows(srv.services.ch, botB)).length, 2);
  });

  test('an empty array or {events: []} stores nothing and answers zeros', async () => {
    for (const body of ['[]', '{"events":[]}']) {
      const res = await post(body, 'application/json');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { accepted: 0, duplicates: 0 });
    }
  });
});

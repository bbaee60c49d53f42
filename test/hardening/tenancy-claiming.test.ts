import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBot } from '../../src/cli/bot-commands.ts';
import { message, storedRows, uniq } from '../foundation/fixtures.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { api, ingest, repoRoot, spawnNode, startTestServer, type TestServer } from '../helpers/server.ts';

// CONTRACT §7 (issue 9, F2): only ingest or `bot create` claims a bot. An admin write on
// a bot nobody has claimed is a 404 like a read and claims nothing, valid body or not;
// a path bot_id outside the id rule is a 400 naming bot_id.
describe('bot claiming', () => {
  let srv: TestServer;
  let tokenA: string;
  let tokenB: string;
  const teamA = 'team-claim-a';
  const teamB = 'team-claim-b';

  before(async () => {
    srv = await startTestServer();
    tokenA = await srv.token(teamA);
    tokenB = await srv.token(teamB);
  });
  after(async () => {
    await srv?.close();
  });

  const botRows = () => srv.services.db.selectFrom('bots').selectAll().orderBy('id').execute();
  // Everything an admin write could leave behind: bots, definitions, subscriptions.
  const snapshot = async () => {
    const db = srv.services.db;
    const [bots, defs, subs] = await Promise.all([
      botRows(),
      db.selectFrom('event_definitions').select(['bot_id', 'event']).orderBy('id').execute(),
      db.selectFrom('subscriptions').select(['bot_id', 'id']).orderBy('id').execute(),
    ]);
    return { bots, defs, subs };
  };
  const postJson = (url: string, token: string, body: unknown) =>
    api(`${srv.url}${url}`, token, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const goodDefinition = { event: 'signup', description: 'd' };
  const goodSubscription = { target: 'https://example.com/hook', event_type: 'TRACKING_EVENT', version: 'v1' };
  const range = 'version=LIVE&start_time=2026-01-01&end_time=2026-01-02';

  test('an admin write on an unknown bot is 404 and claims nothing, with a valid body or {}', async () => {
    const before = await snapshot();
    const bot = uniq('nobody_yet');
    for (const [route, body] of [
      ['events/definitions', {}],
      ['events/definitions', goodDefinition],
      ['subscriptions', {}],
      ['subscriptions', goodSubscription],
    ] as const) {
      const res = await postJson(`/v1/bots/${bot}/${route}`, tokenB, body);
      assert.equal(res.status, 404, `${route} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as Envelope).code, 5);
    }
    const read = await api(`${srv.url}/v1/bots/${bot}/messages?${range}`, tokenB);
    assert.equal(read.status, 404, 'reads still 404: the bot was not claimed');
    assert.deepEqual(await snapshot(), before);
  });

  test('squatting: team B cannot take a bot id that team A will ingest later', async () => {
    const bot = uniq('future-bot');
    assert.equal((await postJson(`/v1/bots/${bot}/events/definitions`, tokenB, goodDefinition)).status, 404);
    assert.equal((await postJson(`/v1/bots/${bot}/subscriptions`, tokenB, goodSubscription)).status, 404);
    const first = await ingest(srv.url, tokenA, [message({ team: teamA, bot, id: 'm1' })]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(await srv.services.bots.ownerOf(bot), teamA);
    for (const route of ['messages', 'conversations']) {
      assert.equal((await api(`${srv.url}/v1/bots/${bot}/${route}?${range}`, tokenB)).status, 404, route);
      assert.equal((await api(`${srv.url}/v1/bots/${bot}/${route}?${range}`, tokenA)).status, 200, route);
    }
    assert.equal((await api(`${srv.url}/v1/bots/${bot}/events/definitions`, tokenB)).status, 404);
    // The owner's own admin writes work once the bot is theirs.
    assert.equal((await postJson(`/v1/bots/${bot}/events/definitions`, tokenA, goodDefinition)).status, 200);
  });

  // Raw requests: fetch would resolve `..` and refuse nothing else; the server must see these paths as sent.
  const rawRequest = (method: string, pathname: string, token: string, body?: string) =>
    new Promise<{ status: number; body: Envelope }>((resolve, reject) => {
      const { hostname, port } = new URL(srv.url);
      const req = http.request(
        {
          hostname,
          port,
          path: pathname,
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Envelope }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const badIds: [string, string][] = [
    ['a space', 'bad%20bot'],
    ['..', '..'],
    ['encoded ..', '%2E%2E'],
    ['a slash-free emoji', encodeURIComponent('bot😀')],
    ['an emoji alone', encodeURIComponent('😀')],
    ['a percent sign', 'bot%25'],
    // Valid ids that nobody owns: the 404 of a read, never a claim.
    ['100 x (valid, unknown)', 'x'.repeat(100)],
    ['dots inside (valid, unknown)', 'a..b'],
  ];
  const validUnknown = new Set(['x'.repeat(100), 'a..b']);

  test('a path bot_id outside the id rule → 400 naming bot_id, on reads and admin writes; nothing claimed', async () => {
    const before = await snapshot();
    for (const [what, id] of badIds) {
      const cases: [string, string, string | undefined][] = [
        ['GET', `/v1/bots/${id}/messages?${range}`, undefined],
        ['GET', `/v1/bots/${id}/events/definitions`, undefined],
        ['POST', `/v1/bots/${id}/events/definitions`, JSON.stringify(goodDefinition)],
        ['POST', `/v1/bots/${id}/events/definitions`, '{}'],
        ['POST', `/v1/bots/${id}/subscriptions`, JSON.stringify(goodSubscription)],
      ];
      for (const [method, url, body] of cases) {
        const res = await rawRequest(method, url, tokenB, body);
        const where = `${what}: ${method} ${url}`;
        if (id === '..' && res.status === 404) {
          // A router may resolve a literal `..` segment; then no bot route matched at all.
          assert.equal(res.body.code, 5, where);
          continue;
        }
        if (validUnknown.has(id)) {
          assert.equal(res.status, 404, `${where}: ${JSON.stringify(res.body)}`);
          continue;
        }
        assert.equal(res.status, 400, `${where}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 3, where);
        assert.match(res.body.message, /bot_id/, where);
        assert.equal(res.body.details[0]?.parameter, 'bot_id', where);
      }
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('a 129-character bot id is refused on every path (ingest too, with `..`), nothing claimed', async () => {
    const before = await snapshot();
    const id = 'x'.repeat(129);
    for (const [method, url, body] of [
      ['GET', `/v1/bots/${id}/messages?${range}`, undefined],
      ['POST', `/v1/bots/${id}/events/definitions`, JSON.stringify(goodDefinition)],
      ['POST', `/v1/bots/${id}/subscriptions`, JSON.stringify(goodSubscription)],
    ] as const) {
      const res = await rawRequest(method, url, tokenB, body);
      // The router admits parameters up to 1,024 characters (F3), so the id rule answers.
      assert.equal(res.status, 400, `${method} ${url}: ${res.status}`);
      assert.equal(res.body.details[0]?.parameter, 'bot_id');
    }
    for (const bot of [id, '..', 'bad bot']) {
      const refused = await ingest(srv.url, tokenB, [message({ team: teamB, bot })]);
      assert.equal(refused.status, 400, bot);
      assert.match(JSON.stringify(refused.body), /bot_id/);
    }
    assert.deepEqual(await snapshot(), before);
  });

  const cli = (...args: string[]) =>
    spawnNode([path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), 'bot', ...args], { DATA_DIR: srv.dataDir });

  test('createBot (the `bot create` core) refuses bad ids and another team, is idempotent', async () => {
    const before = await botRows();
    for (const bad of ['bad bot', '..', '.', 'x/y', 'x'.repeat(129), '😀', '']) {
      assert.match((await createBot(srv.services.bots, bad, teamA)) ?? '', /invalid bot id/, `"${bad}"`);
    }
    assert.match((await createBot(srv.services.bots, uniq('b'), 'team a')) ?? '', /invalid team id/);
    assert.deepEqual(await botRows(), before, 'refused ids claim nothing');
    const bot = uniq('core-bot');
    assert.equal(await createBot(srv.services.bots, bot, teamA), undefined);
    assert.equal(await createBot(srv.services.bots, bot, teamA), undefined, 'idempotent');
    assert.match((await createBot(srv.services.bots, bot, teamB)) ?? '', /belongs to another team/);
    assert.equal(await srv.services.bots.ownerOf(bot), teamA);
  });

  test('`chatlayer-analytics bot create --team T BOT` claims a bot the running server then honours', async () => {
    const bot = uniq('cli-bot');
    const created = await cli('create', '--team', teamA, bot);
    assert.equal(created.code, 0, created.err);
    // Same team again (idempotent), another team (refused, exit 1), an invalid id, and the listing.
    const [again, other, bad, list] = await Promise.all([
      cli('create', '--team', teamA, bot),
      cli('create', '--team', teamB, bot),
      cli('create', '--team', teamA, 'bad bot'),
      cli('list', '--team', teamA, '--json'),
    ]);
    assert.equal(again.code, 0, again.err);
    assert.equal(other.code, 1);
    assert.match(other.err, /belongs to another team/);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /invalid bot id/);
    assert.equal(list.code, 0, list.err);
    const listed = JSON.parse(list.out) as { id: string; team_id: string }[];
    assert.ok(listed.some((r) => r.id === bot && r.team_id === teamA));
    assert.deepEqual(
      (await botRows()).filter((r) => r.id === bot || r.id === 'bad bot').map((r) => r.team_id),
      [teamA],
    );

    // The running server sees the claim: team A may add a definition before any event, B may not.
    assert.equal((await postJson(`/v1/bots/${bot}/events/definitions`, tokenA, goodDefinition)).status, 200);
    assert.equal((await api(`${srv.url}/v1/bots/${bot}/messages?${range}`, tokenA)).status, 200);
    assert.equal((await api(`${srv.url}/v1/bots/${bot}/messages?${range}`, tokenB)).status, 404);
    const foreign = await ingest(srv.url, tokenB, [message({ team: teamB, bot })]);
    assert.equal(foreign.status, 403);
    assert.equal((await storedRows(srv.services.ch, bot)).length, 0);
  });
});

/**
 * Cross-team probes on every route of the served document (issue 9 "Done when";
 * CONTRACT §6/§7): two teams, each with a bot with data, a definition and a subscription.
 * With team B's token, every operation with a bot_id or team_id path parameter, called on
 * team A's bot/team, answers 404 {code: 5} — reads and admin writes alike — with a body
 * identical (but for the id) to the one for a bot/team that does not exist, and leaves
 * both stores unchanged. Ingest answers 403 {code: 7}. Team A's subscription ids
 * addressed through team B's own bot are 404 too, like unknown ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadApiDocument } from '../../src/api/openapi.ts';
import type { Envelope } from '../helpers/envelope.ts';
import { validRequest } from '../helpers/fuzz-cases.ts';
import { type FuzzOperation, fuzzOperations } from '../helpers/fuzz-doc.ts';
import { envelopeProblem, type RawRequest, send } from '../helpers/fuzz-http.ts';
import { type SeededTeam, seedEvents, seedRange, seedTeam } from '../helpers/fuzz-seed.ts';
import { diffSnapshots, snapshotStores } from '../helpers/fuzz-store.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let a: SeededTeam;
let b: SeededTeam;

before(async () => {
  // Handshake off: challenges to the seeded (closed-port) targets would change the control
  // store on a clock, in the middle of "nothing stored changed" comparisons.
  srv = await startTestServer({ webhookAllowPrivateTargets: true, webhookVerifyTargets: false });
  a = await seedTeam(srv, 'tenant-a', 'tenant-a-bot');
  b = await seedTeam(srv, 'tenant-b', 'tenant-b-bot');
});
after(async () => {
  await srv?.close();
});

// One missing bot per probe: a probe that wrongly claimed it must not mask the next one.
let probes = 0;
const missingBot = () => `nobody-owns-this-bot-${++probes}`;
const MISSING_TEAM = 'nobody-has-this-team';

/** The body with every id that names the probed thing replaced, so two 404s can be compared. */
const masked = (text: string, ids: string[]): string => ids.reduce((t, id) => t.split(id).join('<id>'), text);

/** Sends `req` with B's token; asserts 404 {code: 5} and unchanged stores; returns the masked body. */
async function probe(req: RawRequest, ids: string[]): Promise<string> {
  const before = await snapshotStores(srv.services);
  const res = await send(srv.url, b.token, req);
  const where = `${req.method} ${req.url}`;
  assert.equal(res.status, 404, `${where} → ${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(envelopeProblem(res), undefined, where);
  assert.equal((JSON.parse(res.text) as Envelope).code, 5, where);
  assert.deepEqual(diffSnapshots(before, await snapshotStores(srv.services)), [], `${where} changed the stores`);
  return masked(res.text, ids);
}

const scoped = (op: FuzzOperation) =>
  op.params.some((p) => p.in === 'path' && (p.name === 'bot_id' || p.name === 'team_id'));
// Writes of events answer 403 and claim an unclaimed bot, as ingest (CONTRACT-LIVE-API §1): below.
const EVENT_WRITES = new Set(['Analytics_TrackEvent']);
const operations = fuzzOperations(loadApiDocument()).filter((op) => scoped(op) && !EVENT_WRITES.has(op.operationId));

describe("team B's token on team A's bot or team: 404, like one that does not exist", () => {
  test('the document has bot and team operations to probe', () => {
    assert.ok(operations.length >= 18, `only ${operations.length}`);
  });

  for (const op of operations) {
    test(`${op.operationId} (${op.method} ${op.path})`, async () => {
      // Team A's own request, valid for A (its bot, team, subscription), sent by B.
      const foreign = validRequest(op, a);
      const missing = missingBot();
      const absent = validRequest(op, a, { bot_id: missing, team_id: MISSING_TEAM });
      const ids = [a.bot, a.team, missing, MISSING_TEAM];
      const foreignBody = await probe(foreign, ids);
      const absentBody = await probe(absent, ids);
      assert.equal(foreignBody, absentBody, 'the answer tells an existing foreign bot/team from a missing one');
      // Nothing of A's moved: its own token still sees its bot (its subscription included).
      if (op.method === 'GET') {
        const own = await send(srv.url, a.token, validRequest(op, a));
        assert.equal(own.status, 200, `A's own ${op.operationId}: ${own.text.slice(0, 200)}`);
      }
    });
  }
});

describe("team A's subscription ids through team B's own bot: 404, like unknown ids", () => {
  for (const op of operations.filter((o) => o.params.some((p) => p.name === 'subscription_id'))) {
    test(`${op.operationId}`, async () => {
      const foreign = validRequest(op, b, { subscription_id: a.subscriptionId });
      const absent = validRequest(op, b, { subscription_id: 'sub_000000000000000000000000' });
      const ids = [a.subscriptionId, 'sub_000000000000000000000000'];
      assert.equal(await probe(foreign, ids), await probe(absent, ids));
      const stillThere = await api(`${srv.url}/v1/bots/${a.bot}/subscriptions`, a.token);
      const subs = (stillThere.body as { subscriptions: { id: string }[] }).subscriptions.map((s) => s.id);
      assert.ok(subs.includes(a.subscriptionId), "A's subscription is untouched");
    });
  }
});

describe("team B's page tokens never open team A's listings", () => {
  test("a definitions page token of A's bot is refused on B's bot and B's token cannot use it on A's", async () => {
    const page = await api(`${srv.url}/v1/bots/${a.bot}/events/definitions?page_size=1`, a.token);
    const token = (page.body as { next_page_token: string }).next_page_token;
    assert.ok(token.length > 0, 'A has two definitions: a second page exists');
    const onB = await api(`${srv.url}/v1/bots/${b.bot}/events/definitions?page_token=${token}`, b.token);
    assert.equal(onB.status, 400, JSON.stringify(onB.body));
    const onA = await api(`${srv.url}/v1/bots/${a.bot}/events/definitions?page_token=${token}`, b.token);
    assert.equal(onA.status, 404);
  });
});

describe("ingest for team A's team or bot with B's token: 403 {code: 7}, nothing stored", () => {
  const cases: [string, (s: SeededTeam) => Record<string, unknown>[]][] = [
    ["A's team_id", () => seedEvents(a.team, 'b-new-bot', seedRange().startMs).slice(0, 2)],
    ["A's bot under B's team_id", () => seedEvents(b.team, a.bot, seedRange().startMs).slice(0, 2)],
    [
      "one of A's bots among B's own events",
      () => [
        ...seedEvents(b.team, b.bot, seedRange().startMs).slice(0, 2),
        ...seedEvents(b.team, a.bot, seedRange().startMs).slice(0, 1),
      ],
    ],
  ];
  for (const [name, events] of cases) {
    test(name, async () => {
      const before = await snapshotStores(srv.services);
      const res = await ingest(srv.url, b.token, events(b));
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal((res.body as Envelope).code, 7);
      assert.deepEqual(diffSnapshots(before, await snapshotStores(srv.services)), []);
    });
  }
});

describe("TrackEvent on team A's bot with B's token: 403 {code: 7}, nothing stored", () => {
  test("A's bot stays A's and stores nothing", async () => {
    const before = await snapshotStores(srv.services);
    const res = await api(`${srv.url}/v1/bots/${a.bot}/events/track`, b.token, {
      method: 'POST',
      body: JSON.stringify({ version: 'LIVE', user_id: 'u1', event: 'probe' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal((res.body as Envelope).code, 7);
    assert.deepEqual(diffSnapshots(before, await snapshotStores(srv.services)), []);
    assert.equal(await srv.services.bots.ownerOf(a.bot), a.team);
  });
});

describe("team A's definitions are invisible through team B's own bot", () => {
  test("B creating a name only A defined succeeds (no 409 telling it exists) and B's list never shows A's", async () => {
    const json = (body: unknown) => ({
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const mine = await api(`${srv.url}/v1/bots/${a.bot}/events/definitions`, a.token, json({ event: 'a_only_def' }));
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const listB = await api(`${srv.url}/v1/bots/${b.bot}/events/definitions`, b.token);
    const names = (listB.body as { event_definitions: { event: string }[] }).event_definitions.map((d) => d.event);
    assert.ok(!names.includes('a_only_def'), names.join(','));
    const theirs = await api(`${srv.url}/v1/bots/${b.bot}/events/definitions`, b.token, json({ event: 'a_only_def' }));
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
  });
});

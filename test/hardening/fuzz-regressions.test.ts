/**
 * Regressions for what the document-driven fuzz (fuzz-operations.test.ts) found in the
 * parameter parsing and the admin routes, each as the exact request that showed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Envelope } from '../helpers/envelope.ts';
import { type SeededTeam, seedTeam } from '../helpers/fuzz-seed.ts';
import { diffSnapshots, snapshotStores } from '../helpers/fuzz-store.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let seed: SeededTeam;

before(async () => {
  // Handshake off: challenges to the seeded (closed-port) targets would change the control
  // store on a clock, in the middle of "nothing stored changed" comparisons.
  srv = await startTestServer({ webhookAllowPrivateTargets: true, webhookVerifyTargets: false });
  seed = await seedTeam(srv, 'regress-team', 'regress-bot');
});
after(async () => {
  await srv?.close();
});

const range = () => `start_time=${seed.start}&end_time=${seed.end}`;
const get = (path: string) => api(`${srv.url}${path}`, seed.token);

/** POSTs `body` as JSON, asserting a 400 {code: 3} naming `field` and that nothing was stored. */
async function refused(path: string, body: string, field: string): Promise<void> {
  const before = await snapshotStores(srv.services);
  const res = await api(`${srv.url}${path}`, seed.token, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 400, `${body} → ${JSON.stringify(res.body)}`);
  const env = res.body as Envelope;
  assert.equal(env.code, 3);
  assert.match(env.message, new RegExp(field.replace(/[[\]]/g, '\\$&')), body);
  assert.deepEqual(diffSnapshots(before, await snapshotStores(srv.services)), [], `${body} changed the stores`);
}

describe('repeated query parameters: the first value wins (test/reference/README.md reading 11)', () => {
  test('a repeated scalar answers like its first value, whatever follows', async () => {
    const one = await get(`/v1/bots/${seed.bot}/messages?version=LIVE&${range()}&bucket=1d`);
    assert.equal(one.status, 200);
    for (const qs of [
      `version=LIVE&version=bogus&${range()}&bucket=1d`,
      `version=LIVE&version=%FF%FE&${range()}&bucket=1d`,
      `version=LIVE&${range()}&end_time=yesterday&bucket=1d`,
      `version=LIVE&${range()}&bucket=1d&bucket=2h`,
      `version[0]=LIVE&version[1]=DRAFT&${range()}&bucket=1d`,
    ]) {
      const res = await get(`/v1/bots/${seed.bot}/messages?${qs}`);
      assert.equal(res.status, 200, `${qs} → ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, one.body, qs);
    }
  });

  test('a bad first value is still a 400 naming the parameter', async () => {
    const res = await get(`/v1/bots/${seed.bot}/messages?version=bogus&version=LIVE&${range()}`);
    assert.equal(res.status, 400);
    assert.match((res.body as Envelope).message, /version/);
  });

  test('repeated filter lists add up (the union), like one comma list', async () => {
    const q = `/v1/bots/${seed.bot}/conversations?version=LIVE&${range()}&group_by=channel_type`;
    const joined = await get(`${q}&channel_type=web,nope`);
    const repeated = await get(`${q}&channel_type=web&channel_type=nope`);
    assert.equal(joined.status, 200);
    assert.equal(repeated.status, 200, JSON.stringify(repeated.body));
    assert.deepEqual(repeated.body, joined.body);
  });

  test('the flows path keeps every repeated value in order', async () => {
    const q = `/v1/bots/${seed.bot}/flows?version=LIVE&${range()}`;
    const repeated = await get(`${q}&path=A&path=B`);
    const indexed = await get(`${q}&path[1]=B&path[0]=A`);
    assert.equal(repeated.status, 200);
    assert.deepEqual(repeated.body, { nodes: [{ occurrences: 3, id: 'C' }] });
    assert.deepEqual(indexed.body, repeated.body);
  });

  test('parameters named like object internals are plain unknown parameters', async () => {
    const base = `/v1/bots/${seed.bot}/messages?version=LIVE&${range()}`;
    const plain = await get(base);
    for (const extra of [
      '__proto__=x',
      '__proto__[0]=x',
      'constructor=x',
      'hasOwnProperty=x',
      'toString=1&toString=2',
    ]) {
      const res = await get(`${base}&${extra}`);
      assert.equal(res.status, 200, `${extra} → ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, plain.body, extra);
    }
  });
});

describe('JSON bodies: a wrong type is a 400, never converted and stored', () => {
  const defs = () => `/v1/bots/${seed.bot}/events/definitions`;
  const subs = () => `/v1/bots/${seed.bot}/subscriptions`;
  const sub = (patch: Record<string, unknown>) =>
    JSON.stringify({ target: 'http://127.0.0.1:9/hook', event_type: 'TRACKING_EVENT', version: 'v1', ...patch });

  test('definitions: event true / 42, description -1 / false', async () => {
    await refused(defs(), '{"event": true}', 'event');
    await refused(defs(), '{"event": 42}', 'event');
    await refused(defs(), '{"event": ["signup_x"]}', 'event');
    await refused(defs(), '{"event": "typed_1", "description": -1}', 'description');
    await refused(defs(), '{"event": "typed_2", "description": false}', 'description');
  });

  test('subscriptions: version ["v1"], event_names "signup" or [1, 2]', async () => {
    await refused(subs(), sub({ version: ['v1'] }), 'version');
    await refused(subs(), sub({ event_names: 'signup' }), 'event_names');
    await refused(subs(), sub({ event_names: [1, 2] }), 'event_names');
    await refused(subs(), sub({ secret: 12345678 }), 'secret');
  });

  test('echo: message 42 or null', async () => {
    await refused('/v1/echo', '{"message": 42}', 'message');
    await refused('/v1/echo', '{"message": null}', 'message');
  });
});

describe('JSON bodies: text with a lone surrogate is a 400 naming the field, nothing stored', () => {
  test('definition event and description', async () => {
    const path = `/v1/bots/${seed.bot}/events/definitions`;
    await refused(path, '{"event": "a\\udc00b"}', 'event');
    await refused(path, '{"event": "\\ud800"}', 'event');
    await refused(path, '{"event": "ok_name", "description": "x\\ud83dy"}', 'description');
  });

  test('subscription event_names, secret and an unknown key', async () => {
    const path = `/v1/bots/${seed.bot}/subscriptions`;
    const base = '"target": "http://127.0.0.1:9/hook", "event_type": "TRACKING_EVENT", "version": "v1"';
    await refused(path, `{${base}, "event_names": ["ok", "\\ud800"]}`, 'event_names[1]');
    await refused(path, `{${base}, "secret": "long-enough-\\udfff"}`, 'secret');
    await refused(path, `{${base}, "\\ud800": 1}`, '\ud800');
  });

  test('a well-formed astral character (a surrogate pair) is accepted', async () => {
    const res = await api(`${srv.url}/v1/bots/${seed.bot}/events/definitions`, seed.token, {
      method: 'POST',
      body: '{"event": "rocket_\\ud83d\\ude80", "description": "\\ud83d\\ude80"}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as { event_definition: { event: string } }).event_definition.event, 'rocket_🚀');
  });
});

describe('intents first/last above 100 are clamped to 100 (CONTRACT §7), however large', () => {
  for (const name of ['first', 'last']) {
    test(`${name} beyond 2^53 pages like ${name}=100`, async () => {
      const q = `/v1/bots/${seed.bot}/intents?version=LIVE&${range()}`;
      const hundred = await get(`${q}&${name}=100`);
      assert.equal(hundred.status, 200);
      for (const big of ['9007199254740993', '9223372036854775807', '1e300']) {
        const res = await get(`${q}&${name}=${big}`);
        assert.equal(res.status, 200, `${name}=${big} → ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body, hundred.body, `${name}=${big}`);
      }
    });
  }
});

describe('subscription event_names are capped like definition names', () => {
  test('a 257-character name → 400 naming event_names, nothing stored; 256 is fine', async () => {
    const path = `/v1/bots/${seed.bot}/subscriptions`;
    const sub = (name: string) =>
      JSON.stringify({
        target: 'http://127.0.0.1:9/hook',
        event_type: 'TRACKING_EVENT',
        version: 'v1',
        event_names: [name],
      });
    await refused(path, sub('n'.repeat(257)), 'event_names');
    await refused(path, sub('n'.repeat(10_000)), 'event_names');
    const ok = await api(`${srv.url}${path}`, seed.token, {
      method: 'POST',
      body: sub('n'.repeat(256)),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});

describe('JSON bodies: invalid UTF-8 bytes are a 400, never stored as U+FFFD', () => {
  // The deep fuzz (FUZZ_RUNS=150) found `FF FE C0 AF` inside a definition name stored as
  // "����fuzz…": only the ingest route decoded strictly.
  const withBadBytes = (json: string): Uint8Array<ArrayBuffer> => {
    const [head, tail] = json.split('@') as [string, string];
    return new Uint8Array([...Buffer.from(head), 0xff, 0xfe, 0xc0, 0xaf, ...Buffer.from(tail)]);
  };
  for (const [what, path, json] of [
    ['definition', () => `/v1/bots/${seed.bot}/events/definitions`, '{"event": "bad_@_name"}'],
    [
      'subscription',
      () => `/v1/bots/${seed.bot}/subscriptions`,
      '{"target": "http://127.0.0.1:9/@", "event_type": "TRACKING_EVENT", "version": "v1"}',
    ],
    ['echo', () => '/v1/echo', '{"message": "@"}'],
  ] as const) {
    test(`${what}: 400 {code: 3} saying UTF-8, nothing stored`, async () => {
      const before = await snapshotStores(srv.services);
      const res = await fetch(`${srv.url}${path()}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seed.token}`, 'content-type': 'application/json' },
        body: withBadBytes(json),
      });
      const env = (await res.json()) as Envelope;
      assert.equal(res.status, 400, JSON.stringify(env));
      assert.equal(env.code, 3);
      assert.match(env.message, /UTF-8/);
      assert.deepEqual(diffSnapshots(before, await snapshotStores(srv.services)), []);
    });
  }
});

/**
 * What the fuzz found only with the control store on PostgreSQL (FUZZ_PG=1): text that
 * PostgreSQL refuses (U+0000) reached it from admin bodies and subscription ids and
 * answered 500. Each request must now be a 4xx with the envelope, nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freshSchema, postgresReachable } from '../foundation/postgres.ts';
import { type SeededTeam, seedTeam } from '../helpers/fuzz-seed.ts';
import { diffSnapshots, snapshotStores } from '../helpers/fuzz-store.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

describe('NUL characters with the control store on PostgreSQL', () => {
  let srv: TestServer | undefined;
  let seed: SeededTeam;
  let drop = async () => {};

  before(async () => {
    if (!(await postgresReachable())) return;
    const schema = await freshSchema();
    drop = schema.drop;
    // Handshake off: challenges to the seeded (closed-port) target would change the store on a clock.
    srv = await startTestServer({
      webhookAllowPrivateTargets: true,
      webhookVerifyTargets: false,
      databaseUrl: schema.url,
    });
    seed = await seedTeam(srv, 'pg-team', 'pg-bot');
  });
  after(async () => {
    await srv?.close();
    await drop();
  });

  /** Asserts `status` with the envelope's code and unchanged stores. */
  async function expect(
    s: TestServer,
    path: string,
    init: { method?: string; body?: unknown },
    status: number,
    code: number,
  ): Promise<void> {
    const before = await snapshotStores(s.services);
    const res = await api(`${s.url}${path}`, seed.token, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const where = `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.body) ?? ''}`;
    assert.equal(res.status, status, `${where} → ${JSON.stringify(res.body)}`);
    assert.equal((res.body as { code: number }).code, code, where);
    assert.deepEqual(diffSnapshots(before, await snapshotStores(s.services)), [], `${where} changed the stores`);
  }

  test('admin bodies with U+0000 → 400 naming the field', async (t) => {
    if (!srv) return t.skip('PostgreSQL not reachable');
    const defs = `/v1/bots/${seed.bot}/events/definitions`;
    const subs = `/v1/bots/${seed.bot}/subscriptions`;
    const sub = { target: 'http://127.0.0.1:9/hook', event_type: 'TRACKING_EVENT', version: 'v1' };
    await expect(srv, defs, { method: 'POST', body: { event: 'a\u0000b' } }, 400, 3);
    await expect(srv, defs, { method: 'POST', body: { event: 'nul_desc', description: 'a\u0000b' } }, 400, 3);
    await expect(srv, subs, { method: 'POST', body: { ...sub, target: 'http://127.0.0.1:9/a\u0000b' } }, 400, 3);
    await expect(srv, subs, { method: 'POST', body: { ...sub, secret: 'long-secret-\u0000' } }, 400, 3);
    await expect(srv, subs, { method: 'POST', body: { ...sub, event_names: ['a\u0000'] } }, 400, 3);
  });

  test('a subscription id with U+0000 → 404, like any unknown id', async (t) => {
    if (!srv) return t.skip('PostgreSQL not reachable');
    await expect(srv, `/v1/bots/${seed.bot}/subscriptions/a%00b`, { method: 'DELETE' }, 404, 5);
    await expect(srv, `/v1/bots/${seed.bot}/subscriptions/a%00b/deliveries`, {}, 404, 5);
    await expect(srv, `/v1/bots/${seed.bot}/subscriptions/${seed.subscriptionId}%00`, {}, 404, 5);
  });
});

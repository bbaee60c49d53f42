/**
 * A replica that loses its analytics store (issue 10: ClickHouse over HTTP, here
 * clickhouse:local killed with SIGKILL) answers 503 {code: 14} with Retry-After on the
 * reads that need the store and on /readyz, never 500, and answers again by itself once
 * the store is back (same port, same data): no restart, no operator step. Ingest keeps
 * working: a batch is durable once its control-store transaction commits (the outbox),
 * and the outbox mover inserts it when the store is back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ClickHouseLocalProcess, spawnClickHouseLocal } from '../helpers/clickhouse-local.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let store: ClickHouseLocalProcess;
let server: TestServer;
let token: string;
const Q = 'version=LIVE&start_time=2026-10-01&end_time=2026-10-10';
const event = (id: string) => ({
  id,
  team_id: 'tout',
  bot_id: 'b1',
  version: 'LIVE',
  type: 'message',
  direction: 'user',
  kind: 'text',
  intent: 'faq',
  user_id: 'u1',
  timestamp: '2026-10-05T09:00:00Z',
});

before(async () => {
  store = await spawnClickHouseLocal();
  server = await startTestServer({ clickhouseUrl: store.url, queryTimeoutSeconds: 5 });
  token = await server.token('tout');
  assert.equal((await ingest(server.url, token, [event('e1')])).status, 200);
});
after(async () => {
  await server?.close();
  await store?.stop();
});

test('store down: reads and /readyz answer 503 {code: 14}; store back: they recover by themselves', async () => {
  const read = () => api(`${server.url}/v1/bots/b1/messages?${Q}`, token);
  assert.equal((await read()).status, 200);
  const ready = await api(`${server.url}/readyz`, undefined);
  assert.deepEqual(ready.body, { status: 'ready', stores: { analytics: 'ok', control: 'ok' } });

  await store.kill9();
  const down = await read();
  assert.equal(down.status, 503, JSON.stringify(down.body));
  assert.equal((down.body as { code: number }).code, 14);
  assert.equal(down.headers.get('retry-after'), '1');
  const notReady = await api(`${server.url}/readyz`, undefined);
  assert.equal(notReady.status, 503);
  assert.equal((notReady.body as { code: number }).code, 14);
  assert.match((notReady.body as { message: string }).message, /analytics store unreachable/);
  // Ingest is durable without the analytics store: acknowledged, kept in the outbox.
  const accepted = await ingest(server.url, token, [event('e2')]);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.deepEqual(accepted.body, { accepted: 1, duplicates: 0 });
  const waiting = await server.services.db.selectFrom('ingest_outbox').select('events').execute();
  assert.deepEqual(waiting, [{ events: 1 }], 'the batch waits in the outbox');
  // Token checks use the control store, which is up: a bad token is still a 401.
  assert.equal((await api(`${server.url}/v1/bots/b1/messages?${Q}`, 'tok_x:y')).status, 401);

  store = await spawnClickHouseLocal({ port: store.port, dataPath: store.dataPath });
  const back = await read();
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal((await api(`${server.url}/readyz`, undefined)).status, 200);
  // A client that retries anyway gets a duplicate: the id is in the shared window.
  assert.deepEqual((await ingest(server.url, token, [event('e2')])).body, { accepted: 0, duplicates: 1 });
  // The mover inserts the waiting batch (it is an orphan after ORPHAN_AFTER_MS).
  const deadline = Date.now() + 30_000;
  let sum: number | undefined;
  while (Date.now() < deadline) {
    const now = await read();
    sum = (now.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum;
    if (sum === 2) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(sum, 2, 'e1 (before the outage) and e2 (accepted during it), each once');
  assert.deepEqual(await server.services.db.selectFrom('ingest_outbox').select('events').execute(), []);
});

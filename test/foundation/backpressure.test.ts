/**
 * Ingest backpressure: past INGEST_MAX_QUEUED_EVENTS queued events a request is refused
 * with 429 {code: 8} and Retry-After, stores nothing and claims no bot (CONTRACT §3).
 * The queue only holds requests while a flush is in flight, so the test queues through
 * the writer in one tick: the first write starts a flush, the second waits behind it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError, ServiceError } from '../../src/api/errors.ts';
import type { ValidEvent } from '../../src/ingest/event.ts';
import { validateEvents } from '../../src/ingest/validate.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
const TEAM = 'team-bp';

function events(bot: string, prefix: string, n: number): ValidEvent[] {
  const raw = Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: 'message',
    timestamp: '2026-11-01T10:00:00Z',
    team_id: TEAM,
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    direction: 'user',
    kind: 'text',
    intent: 'hi',
  }));
  const checked = validateEvents(raw);
  assert.ok(checked.ok);
  return checked.events;
}

async function storedIds(bot: string): Promise<string[]> {
  const rs = await srv.services.ch.query({
    query: 'SELECT id FROM events WHERE bot_id = {b:String} ORDER BY id',
    query_params: { b: bot },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: string }>()).map((r) => r.id);
}

before(async () => {
  srv = await startTestServer({ ingestMaxQueuedEvents: 5 });
  await srv.services.bots.claim('bp-bot', TEAM);
});

after(async () => {
  await srv.close();
});

test('a request past the queue limit answers 429 with Retry-After and stores nothing', async () => {
  const w = srv.services.writer;
  const first = w.write(events('bp-bot', 'a', 3)); // taken by a flush at once
  const second = w.write(events('bp-bot', 'b', 4)); // waits: 4 queued
  const third = w.write(events('bp-bot', 'c', 2)); // 4 + 2 > 5
  await assert.rejects(third, (e: unknown) => {
    assert.ok(e instanceof ServiceError);
    assert.equal(e.code, 8);
    assert.equal(e.retryAfterSeconds, 1);
    // Its HTTP face: 429 with Retry-After.
    const sent = ApiError.from(e);
    assert.equal(sent.status, 429);
    assert.equal(sent.headers['retry-after'], '1');
    return true;
  });
  assert.deepEqual(await first, { accepted: 3, duplicates: 0 });
  assert.deepEqual(await second, { accepted: 4, duplicates: 0 });
  const ids = await storedIds('bp-bot');
  assert.deepEqual(ids, ['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'b-2', 'b-3']);
});

test('an empty queue takes a request larger than the limit', async () => {
  assert.deepEqual(await srv.services.writer.write(events('bp-bot', 'big', 12)), { accepted: 12, duplicates: 0 });
});

test('the refusal comes before a new bot is claimed', async () => {
  const w = srv.services.writer;
  const first = w.write(events('bp-bot', 'd', 1));
  const second = w.write(events('bp-bot', 'e', 5)); // queue now full
  await assert.rejects(
    srv.services.ingest.ingest({ teamId: TEAM }, [
      {
        type: 'message',
        timestamp: '2026-11-01T10:00:00Z',
        team_id: TEAM,
        bot_id: 'bp-new-bot',
        version: 'LIVE',
        user_id: 'u1',
        direction: 'bot',
      },
    ]),
    (e: unknown) => e instanceof ServiceError && ApiError.from(e).status === 429,
  );
  await Promise.all([first, second]);
  assert.equal(await srv.services.bots.ownerOf('bp-new-bot'), undefined);
  assert.deepEqual(await storedIds('bp-new-bot'), []);
});

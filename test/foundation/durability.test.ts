import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cliToken, ingest, tempDir } from '../helpers/server.ts';
import { BASE_MS, countById, messages, processPool, storedRowsOffline } from './fixtures.ts';

// CONTRACT §1: a 200 means durable. SIGKILL right after the last 200 and SIGTERM during an
// ingest must never lose an acknowledged event, nor store one twice.
describe('durable acknowledgements', () => {
  const team = 'team-durable';
  const pool = processPool();
  after(async () => {
    await pool.stopAll();
  });

  test('kill -9 right after the last 200: every acknowledged event present exactly once', async () => {
    const dir = tempDir();
    const token = await cliToken(dir, team, 'ingest');
    const bot = 'bot-kill9';
    let running = await pool.start(dir);
    const batches = Array.from({ length: 8 }, (_, b) =>
      messages(2000, { team, bot, user: `u${b}`, idPrefix: `k${b}`, at: BASE_MS + b }),
    );
    const server = running;
    const acked: string[] = [];
    let killed: Promise<void> | undefined;
    let pending = batches.length;
    await Promise.all(
      batches.map(async (batch) => {
        const res = await ingest(server.url, token, batch).catch(() => undefined);
        if (res?.status === 200) {
          assert.deepEqual(res.body, { accepted: batch.length, duplicates: 0 });
          for (const e of batch) acked.push(e.id as string);
        }
        // No await between the last answer and the kill.
        if (--pending === 0) killed = server.kill9();
      }),
    );
    await killed;
    assert.equal(acked.length, 16_000, 'all batches were answered 200 before the kill');
    running = await pool.start(dir);
    // The restarted server still knows every acknowledged id (dedupe window reloaded).
    const again = await ingest(running.url, token, batches[0] ?? []);
    assert.deepEqual(again.body, { accepted: 0, duplicates: 2000 });
    await running.stop();
    const counts = countById(await storedRowsOffline(dir, bot));
    for (const id of acked) assert.equal(counts.get(id), 1, `event ${id}`);
    assert.equal(counts.size, acked.length);
  });

  test('SIGTERM during a large ingest: a 200 is never followed by lost events', async () => {
    const dir = tempDir();
    const token = await cliToken(dir, team, 'ingest');
    const bot = 'bot-sigterm';
    let running = await pool.start(dir);
    const server = running;
    const batches = Array.from({ length: 4 }, (_, b) =>
      messages(10_000, { team, bot, user: `u${b}`, idPrefix: `t${b}`, at: BASE_MS + b }),
    );
    const inFlight = batches.map((batch) => ingest(server.url, token, batch).catch(() => undefined));
    // Let the requests reach the server, then ask it to stop while they are being handled.
    await new Promise((r) => setTimeout(r, 150));
    const stopped = server.stop();
    const results = await Promise.all(inFlight);
    await stopped;
    const acked = new Set<string>();
    results.forEach((res, i) => {
      if (res?.status === 200) for (const e of batches[i] ?? []) acked.add(e.id as string);
    });
    running = await pool.start(dir);
    await running.stop();
    const counts = countById(await storedRowsOffline(dir, bot));
    for (const id of acked) assert.equal(counts.get(id), 1, `acknowledged event ${id}`);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'no event stored twice',
    );
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cliToken, ingest, tempDir } from '../helpers/server.ts';
import { BASE_MS, countById, MIN, message, messages, processPool, storedRowsOffline } from './fixtures.ts';

// Dedupe and sessionization state live in memory; these tests prove they are rebuilt
// from the store when the server process starts again on the same data dir.
describe('ingest state survives a restart', () => {
  const team = 'team-restart';
  const pool = processPool();
  after(async () => {
    await pool.stopAll();
  });

  test('dedupe holds across a restart', async () => {
    const dir = tempDir();
    const token = await cliToken(dir, team, 'ingest');
    const evs = messages(10, { team, bot: 'bot-dedupe', idPrefix: 'r' });
    let running = await pool.start(dir);
    assert.deepEqual((await ingest(running.url, token, evs.slice(0, 6))).body, { accepted: 6, duplicates: 0 });
    await running.stop();
    running = await pool.start(dir);
    assert.deepEqual((await ingest(running.url, token, evs)).body, { accepted: 4, duplicates: 6 });
    await running.stop();
    const counts = countById(await storedRowsOffline(dir, 'bot-dedupe'));
    assert.equal(counts.size, 10);
    assert.ok([...counts.values()].every((n) => n === 1));
  });

  test('a conversation continues across a restart (second half 5 min later)', async () => {
    const dir = tempDir();
    const token = await cliToken(dir, team, 'ingest');
    const bot = 'bot-sess';
    let running = await pool.start(dir);
    const first = [0, 1, 2].map((m) => message({ team, bot, id: `first-${m}`, at: BASE_MS + m * MIN }));
    // Another user keeps the store non-empty and shows keys are not mixed up.
    first.push(message({ team, bot, id: 'other', user: 'u2', at: BASE_MS }));
    assert.equal((await ingest(running.url, token, first)).status, 200);
    await running.stop();
    running = await pool.start(dir);
    const second = [7, 8].map((m) => message({ team, bot, id: `second-${m}`, at: BASE_MS + m * MIN }));
    // 2 min + 15 min after the first half: a new conversation, also after the restart.
    second.push(message({ team, bot, id: 'later', at: BASE_MS + 8 * MIN + 15 * MIN }));
    assert.equal((await ingest(running.url, token, second)).status, 200);
    await running.stop();
    const conv = new Map((await storedRowsOffline(dir, bot)).map((r) => [r.id, r.conversation_id]));
    const firstConv = conv.get('first-0');
    assert.match(firstConv ?? '', /^sess_/);
    for (const id of ['first-1', 'first-2', 'second-7', 'second-8']) assert.equal(conv.get(id), firstConv, id);
    assert.notEqual(conv.get('later'), firstConv);
    assert.notEqual(conv.get('other'), firstConv);
  });
});

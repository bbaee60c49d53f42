import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { api, cliToken, ingest, runNode, tempDir } from '../helpers/server.ts';
import { BASE_MS, countById, messages, processPool, storedRowsOffline } from './fixtures.ts';

// A kill -9 can land between a flush's commit (ids, sessions and the batch in the control
// store's outbox) and its insert into the analytics store, or between that insert and the
// deletion of the outbox row. Both states are made here on a stopped server's stores; the
// restarted server's outbox mover must leave every event stored exactly once, views included,
// and a client retrying the batch it believes unanswered gets duplicates.
//
// STATE_SCRIPT turns a bot's stored batch back into an outbox row: 'lost' removes its rows
// from the analytics store (committed, never inserted); 'inserted' re-inserts them under a
// known batch id and leaves that id in the outbox (inserted, outbox row not yet deleted).
const STATE_SCRIPT = `
import { createAnalyticsClient } from './src/store/clickhouse/client.ts';
import { openControlDb } from './src/store/control/db.ts';
import { insertBatch } from './src/ingest/outbox.ts';
import { EVENT_COLUMNS } from './src/ingest/rows.ts';
const [dir, mode, bot] = process.argv.slice(-3);
const ch = createAnalyticsClient({ dataDir: dir + '/clickhouse', queryTimeoutSeconds: 60 });
const rs = await ch.query({
  query: 'SELECT ' + EVENT_COLUMNS.join(', ') + ' FROM events WHERE bot_id = {bot:String} ORDER BY seq',
  query_params: { bot },
  format: 'JSONCompactEachRow',
  clickhouse_settings: { date_time_output_format: 'simple' },
});
const payload = (await rs.text()).trim();
const sync = { mutations_sync: '2' };
for (const t of ['events', 'conversation_summary', 'user_first_seen'])
  await ch.command({ query: 'ALTER TABLE ' + t + ' DELETE WHERE bot_id = {bot:String}', query_params: { bot }, clickhouse_settings: sync });
const batchId = 'batch-' + mode;
if (mode === 'inserted') await insertBatch(ch, batchId, payload);
const db = openControlDb({ dataDir: dir });
await db.insertInto('ingest_outbox').values({ batch_id: batchId, created_at: Date.now() - 60_000, events: payload.split('\\n').length, payload }).execute();
await db.destroy();
await ch.close();
`;

describe('outbox recovery after a crash', () => {
  const pool = processPool();
  after(async () => {
    await pool.stopAll();
  });

  for (const mode of ['lost', 'inserted'] as const) {
    test(`a batch ${mode === 'lost' ? 'committed but never inserted' : 'inserted but still in the outbox'} is stored once`, async () => {
      const team = `team-outbox-${mode}`;
      const bot = `bot-outbox-${mode}`;
      const dir = tempDir();
      const token = await cliToken(dir, team, 'ingest');
      const read = await cliToken(dir, team, 'read');
      // Two conversations of one user (a 20-minute gap), 300 events in all.
      const batch = [
        ...messages(150, { team, bot, user: 'u1', idPrefix: 'a', at: BASE_MS }),
        ...messages(150, { team, bot, user: 'u1', idPrefix: 'b', at: BASE_MS + 20 * 60_000 + 150_000 }),
      ];
      let server = await pool.start(dir);
      assert.deepEqual((await ingest(server.url, token, batch)).body, { accepted: 300, duplicates: 0 });
      await server.stop();
      await runNode(['--import', 'tsx', '--input-type=module', '-e', STATE_SCRIPT, '--', path.resolve(dir), mode, bot]);
      assert.equal((await storedRowsOffline(dir, bot)).length, mode === 'lost' ? 0 : 300);

      server = await pool.start(dir);
      // The client retries the batch it believes unanswered: every event is a duplicate.
      assert.deepEqual((await ingest(server.url, token, batch)).body, { accepted: 0, duplicates: 300 });
      // The mover's first round runs at start; the batch is older than its orphan age.
      const day = new Date(BASE_MS).toISOString().slice(0, 10);
      const q = `version=LIVE&start_time=${day}&end_time=${new Date(BASE_MS + 86_400_000).toISOString().slice(0, 10)}`;
      let conversations: unknown;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const res = await api(`${server.url}/v1/bots/${bot}/conversations?${q}`, read);
        conversations = (res.body as { data?: { series?: { sum: number }[] } }).data?.series?.[0]?.sum;
        if (conversations === 2) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.equal(conversations, 2, 'two conversations, not doubled');
      await server.stop();
      const counts = countById(await storedRowsOffline(dir, bot));
      assert.equal(counts.size, 300);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        'no event stored twice',
      );
    });
  }
});

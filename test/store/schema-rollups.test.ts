/**
 * Migration 110 (issue 12): a store at 100_live_schema gets the rollups, their views and a
 * backfill from its events; the backfill is exact, also when a crash interrupted a previous
 * one part-way; afterwards the views keep the rollups exact under retried batches.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { insertSettings } from '../../src/store/clickhouse/insert-settings.ts';
import {
  backfillRollups,
  migrateAnalytics,
  ROLLUPS_MIGRATION,
  SCHEMA_MIGRATION,
} from '../../src/store/clickhouse/migrate.ts';
import {
  migrationsTableStatement,
  rollupBackfillStatements,
  rollupStatements,
  schemaStatements,
} from '../../src/store/clickhouse/schema.ts';
import { dumpSchema, SCHEMA_FILE } from './schema-dump.ts';

const expectedSchema = fs.readFileSync(SCHEMA_FILE, 'utf8');

async function rows(ch: ClickHouseClient, query: string): Promise<unknown[]> {
  return (await ch.query({ query, format: 'JSONEachRow' })).json();
}

const KINDS = [
  { kind: 'text', intent: 'greet', has_intent: 1 },
  { kind: 'text', intent: 'billing', has_intent: 1 },
  { kind: 'text', intent: '', has_intent: 0 },
  { kind: 'button', intent: '', has_intent: 0 },
  { kind: 'media', intent: '', has_intent: 0 },
];

/** n events over two months: user and bot messages, steps, on two bots, channels, languages. */
function events(n: number, seq0: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const t0 = Date.UTC(2026, 8, 28);
  for (let i = 0; i < n; i++) {
    const seq = seq0 + i;
    const ts = new Date(t0 + ((seq * 7_919_237) % (10 * 86_400_000))).toISOString().replace('T', ' ').slice(0, 23);
    const k = KINDS[seq % KINDS.length] as (typeof KINDS)[number];
    out.push({
      team_id: 'team1',
      bot_id: `bot${seq % 2}`,
      version: seq % 5 === 0 ? 'DRAFT' : 'LIVE',
      type: seq % 4 === 3 ? 'step' : 'message',
      ts,
      seq,
      id: `e${seq}`,
      ingested_at: ts,
      user_id: `u${seq % 37}`,
      conversation_id: `c${seq % 53}`,
      channel_type: ['web', 'whatsapp', 'messenger'][seq % 3],
      language: ['en', 'fr'][seq % 2 === 0 ? 0 : (seq >> 3) % 2],
      direction: seq % 6 === 1 ? 'bot' : 'user',
      ...k,
    });
  }
  return out;
}

// What the rollups must hold, computed from events; and what they hold (merged).
const MESSAGES_FROM_EVENTS = `SELECT team_id, bot_id, version, toStartOfFifteenMinutes(ts) AS b, channel_type, language,
    multiIf(kind = 'button', 2, kind = 'media', 3, has_intent = 1, 0, 1) AS category, intent, count() AS n
  FROM events WHERE type = 'message' AND direction = 'user' GROUP BY ALL ORDER BY ALL`;
const MESSAGES_ROLLUP = `SELECT team_id, bot_id, version, b, channel_type, language, category, intent, sum(messages) AS n
  FROM user_messages_15m GROUP BY ALL ORDER BY ALL`;
const USERS_FROM_EVENTS = `SELECT DISTINCT team_id, bot_id, version, toStartOfFifteenMinutes(ts) AS b, channel_type, language, user_id
  FROM events WHERE type = 'message' AND direction = 'user' ORDER BY ALL`;
const USERS_ROLLUP = 'SELECT DISTINCT * FROM active_users_15m ORDER BY ALL';

async function assertRollupsExact(ch: ClickHouseClient, why: string): Promise<void> {
  const messages = await rows(ch, MESSAGES_FROM_EVENTS);
  assert.ok(messages.length > 10, why);
  assert.deepEqual(await rows(ch, MESSAGES_ROLLUP), messages, `user_messages_15m: ${why}`);
  assert.deepEqual(await rows(ch, USERS_ROLLUP), await rows(ch, USERS_FROM_EVENTS), `active_users_15m: ${why}`);
}

/** A store as 100_live_schema left it (no rollups), with events in two inserts. */
async function storeAt100(): Promise<{ ch: ClickHouseClient; done(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-store-100-'));
  const ch = createAnalyticsClient({ dataDir: dir, queryTimeoutSeconds: 60 });
  const rollups = new Set(rollupStatements(undefined));
  await ch.command({ query: migrationsTableStatement(undefined) });
  for (const query of schemaStatements(undefined).filter((q) => !rollups.has(q))) await ch.command({ query });
  await ch.insert({ table: 'schema_migrations', values: [{ name: SCHEMA_MIGRATION }], format: 'JSONEachRow' });
  await ch.insert({ table: 'events', values: events(600, 1), format: 'JSONEachRow' });
  await ch.insert({ table: 'events', values: events(400, 601), format: 'JSONEachRow' });
  return {
    ch,
    done: async () => {
      await ch.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a store at 100 gets the rollups, backfilled exactly, then kept exact by the views', async () => {
  const { ch, done } = await storeAt100();
  try {
    assert.deepEqual(await migrateAnalytics(ch), [ROLLUPS_MIGRATION]);
    assert.deepEqual(await migrateAnalytics(ch), []);
    assert.equal(await dumpSchema(ch), expectedSchema, 'an upgraded store prints what a fresh one does');
    assert.deepEqual(
      await rows(ch, 'SELECT name FROM schema_migrations ORDER BY name'),
      [SCHEMA_MIGRATION, ROLLUPS_MIGRATION].map((name) => ({ name })),
    );
    await assertRollupsExact(ch, 'after the backfill');

    // New events reach the rollups through the views; a batch retried with its token once.
    const batch = events(300, 5_000);
    for (let attempt = 0; attempt < 3; attempt++) {
      await ch.insert({
        table: 'events',
        values: batch,
        format: 'JSONEachRow',
        clickhouse_settings: { ...insertSettings(undefined), insert_deduplication_token: 'batch-5000' },
      });
    }
    assert.deepEqual(await rows(ch, 'SELECT count() AS n FROM events'), [{ n: 1300 }]);
    await assertRollupsExact(ch, 'after a batch inserted three times with one token');
  } finally {
    await done();
  }
});

test('a migration interrupted at any step of 110, the backfill included, is completed exactly', async () => {
  const steps = [...rollupStatements(undefined), ...rollupBackfillStatements(undefined)];
  for (let ran = 0; ran <= steps.length; ran++) {
    const { ch, done } = await storeAt100();
    try {
      for (const query of steps.slice(0, ran)) await ch.command({ query });
      if (ran === steps.length) {
        // Crashed after a whole backfill, before the record: the next start backfills again
        // (the same blocks: they must not be dropped as retries, nor added twice).
        await backfillRollups(ch, undefined);
      }
      assert.deepEqual(await migrateAnalytics(ch), [ROLLUPS_MIGRATION], `crash after ${ran} step(s)`);
      assert.equal(await dumpSchema(ch), expectedSchema, `crash after ${ran} step(s)`);
      await assertRollupsExact(ch, `crash after ${ran} step(s)`);
    } finally {
      await done();
    }
  }
});

test('a part-filled rollup (a backfill killed mid-insert) is emptied before the backfill', async () => {
  const { ch, done } = await storeAt100();
  try {
    for (const query of rollupStatements(undefined)) await ch.command({ query });
    // Part of a backfill: the first month only.
    for (const q of rollupBackfillStatements(undefined).filter((s) => s.startsWith('INSERT'))) {
      await ch.command({ query: q.replace('WHERE ', 'WHERE toYYYYMM(ts) = 202609 AND ') });
    }
    assert.deepEqual(await migrateAnalytics(ch), [ROLLUPS_MIGRATION]);
    await assertRollupsExact(ch, 'after a partial backfill');
  } finally {
    await done();
  }
});

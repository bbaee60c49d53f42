/**
 * Stores made by the versions before the squash: built here with the old migration files
 * (test/fixtures/clickhouse-v1-migrations) and events inserted the old way, then migrated.
 * A complete one ends exactly like a fresh store (docs/schema.sql) with its data untouched
 * and conversation_summary sums not doubled, whatever step a crash interrupted; a half-migrated
 * or newer one is refused, untouched.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { insertSettings } from '../../src/store/clickhouse/insert-settings.ts';
import { legacyUpgradeStatements } from '../../src/store/clickhouse/legacy-schema.ts';
import { AnalyticsSchemaError, CURRENT_MIGRATIONS, migrateAnalytics } from '../../src/store/clickhouse/migrate.ts';
import { LEGACY_FILES, migrateLikeV1 } from './legacy-store.ts';
import { dumpSchema, SCHEMA_FILE } from './schema-dump.ts';

const expectedSchema = fs.readFileSync(SCHEMA_FILE, 'utf8');

interface Row {
  type: string;
  ts: string;
  seq: number;
  id: string;
  user_id: string;
  conversation_id: string;
  [k: string]: unknown;
}
const base = { team_id: 'team1', bot_id: 'bot1', version: 'LIVE', ingested_at: '2026-10-05 12:00:00.000' };
const msg = (seq: number, ts: string, user: string, conv: string, direction = 'user'): Row => ({
  ...base,
  type: 'message',
  ts,
  seq,
  id: `m${seq}`,
  id_supplied: 1,
  user_id: user,
  conversation_id: conv,
  channel_type: 'web',
  language: 'en',
  direction,
  kind: 'text',
  intent: 'greet',
  has_intent: 1,
});
const step = (seq: number, ts: string, user: string, conv: string, stepId: string): Row => ({
  ...base,
  type: 'step',
  ts,
  seq,
  id: `s${seq}`,
  user_id: user,
  conversation_id: conv,
  step_id: stepId,
  step_type: 'bot_dialog',
});
// Two conversations whose events arrive in two inserts each, so conversation_summary holds
// partial rows that only FINAL combines; a kb_query with tags (the 060 column).
const FIRST: Row[] = [
  msg(1, '2026-10-05 09:00:00.000', 'u1', 'c1'),
  step(2, '2026-10-05 09:00:01.000', 'u1', 'c1', 'A'),
  msg(3, '2026-10-05 09:30:00.000', 'u2', 'c2'),
];
const SECOND: Row[] = [
  step(4, '2026-10-05 09:02:00.000', 'u1', 'c1', 'B'),
  msg(5, '2026-10-05 09:02:01.000', 'u1', 'c1', 'bot'),
  msg(6, '2026-09-30 23:59:59.000', 'u2', 'c2'),
  {
    ...base,
    type: 'kb_query',
    ts: '2026-10-05 09:31:00.000',
    seq: 7,
    id: 'k7',
    user_id: 'u2',
    conversation_id: '',
    answered: 1,
    tags: ['billing', 'faq'],
  },
];

async function rows(ch: ClickHouseClient, query: string): Promise<unknown[]> {
  return (await ch.query({ query, format: 'JSONEachRow' })).json();
}

const EVENTS = 'SELECT * FROM events ORDER BY seq';
const SUMMARY = `SELECT conversation_id, start_ts, end_ts, first, user_messages, event_count,
  arraySort(steps) AS steps FROM conversation_summary FINAL ORDER BY conversation_id`;
const FIRST_SEEN = 'SELECT * FROM user_first_seen FINAL ORDER BY user_id';

/** An old store with FIRST and SECOND inserted the old way (no token), in its own directory. */
async function oldStore(
  files: readonly string[] = LEGACY_FILES,
): Promise<{ ch: ClickHouseClient; done(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-old-store-'));
  const ch = createAnalyticsClient({ dataDir: dir, queryTimeoutSeconds: 60 });
  await migrateLikeV1(ch, files);
  if (files.length === LEGACY_FILES.length) {
    for (const batch of [FIRST, SECOND]) await ch.insert({ table: 'events', values: batch, format: 'JSONEachRow' });
  }
  return {
    ch,
    done: async () => {
      await ch.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a complete old store becomes the fresh schema, data intact, sums not doubled', async () => {
  const { ch, done } = await oldStore();
  try {
    const before = {
      events: await rows(ch, EVENTS),
      summary: await rows(ch, SUMMARY),
      seen: await rows(ch, FIRST_SEEN),
    };
    assert.equal(before.events.length, FIRST.length + SECOND.length);
    assert.deepEqual(await migrateAnalytics(ch), CURRENT_MIGRATIONS);
    assert.deepEqual(await migrateAnalytics(ch), []);
    assert.equal(await dumpSchema(ch), expectedSchema, 'an upgraded store prints what a fresh one does');
    assert.deepEqual(await rows(ch, EVENTS), before.events);
    assert.deepEqual(await rows(ch, SUMMARY), before.summary);
    assert.deepEqual(await rows(ch, FIRST_SEEN), before.seen);
    assert.deepEqual(
      await rows(ch, 'SELECT conversation_id, event_count, user_messages FROM conversation_summary FINAL ORDER BY 1'),
      [
        { conversation_id: 'c1', event_count: 4, user_messages: 1 },
        { conversation_id: 'c2', event_count: 2, user_messages: 2 },
      ],
    );
    assert.deepEqual(await rows(ch, "SELECT tags FROM events WHERE type = 'kb_query'"), [{ tags: ['billing', 'faq'] }]);
    const names = await rows(ch, 'SELECT name FROM schema_migrations ORDER BY name');
    assert.deepEqual(
      names,
      [...LEGACY_FILES, ...CURRENT_MIGRATIONS].map((name) => ({ name })),
    );

    // The dedupe window now holds: a batch retried with its token is stored once, in the
    // events and in the views' targets.
    const batch = [msg(8, '2026-10-05 10:00:00.000', 'u3', 'c3'), step(9, '2026-10-05 10:00:01.000', 'u3', 'c3', 'A')];
    for (let attempt = 0; attempt < 2; attempt++) {
      await ch.insert({
        table: 'events',
        values: batch,
        format: 'JSONEachRow',
        clickhouse_settings: { ...insertSettings(undefined), insert_deduplication_token: 'batch-8' },
      });
    }
    assert.deepEqual(await rows(ch, "SELECT count() AS n FROM events WHERE conversation_id = 'c3'"), [{ n: 2 }]);
    assert.deepEqual(
      await rows(ch, "SELECT event_count FROM conversation_summary FINAL WHERE conversation_id = 'c3'"),
      [{ event_count: 2 }],
    );
    assert.deepEqual(await rows(ch, "SELECT count() AS n FROM user_first_seen WHERE user_id = 'u3'"), [{ n: 1 }]);
  } finally {
    await done();
  }
});

test('an upgrade interrupted after any of its statements is completed by the next start', async () => {
  const statements = legacyUpgradeStatements();
  for (let ran = 0; ran < statements.length; ran++) {
    const { ch, done } = await oldStore();
    try {
      const before = { events: await rows(ch, EVENTS), summary: await rows(ch, SUMMARY) };
      for (const query of statements.slice(0, ran)) await ch.command({ query });
      assert.deepEqual(await migrateAnalytics(ch), CURRENT_MIGRATIONS, `crash after ${ran} statement(s)`);
      assert.equal(await dumpSchema(ch), expectedSchema, `crash after ${ran} statement(s)`);
      assert.deepEqual(await rows(ch, EVENTS), before.events);
      assert.deepEqual(await rows(ch, SUMMARY), before.summary);
    } finally {
      await done();
    }
  }
});

test('a half-migrated old store is refused with what was found and what to do, untouched', async () => {
  const { ch, done } = await oldStore(LEGACY_FILES.slice(0, 3));
  try {
    const tablesBefore = await rows(
      ch,
      'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    await assert.rejects(migrateAnalytics(ch), (e: unknown) => {
      assert.ok(e instanceof AnalyticsSchemaError);
      assert.match(e.message, /half-migrated by an older version/);
      assert.match(e.message, /records 001_events\.sql, 002_conversations\.sql, 040_team_conversations\.sql/);
      assert.match(e.message, /but not 050_conversation_facts\.sql, 051_conversation_summary\.sql, 060_kb_tags\.sql/);
      assert.match(e.message, /Start the previous release once on this store/);
      return true;
    });
    assert.deepEqual(
      await rows(ch, 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name'),
      tablesBefore,
    );
    assert.deepEqual(
      await rows(ch, 'SELECT name FROM schema_migrations ORDER BY name'),
      LEGACY_FILES.slice(0, 3).map((name) => ({ name })),
    );
  } finally {
    await done();
  }
});

test('a store recorded by a newer version is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-new-store-'));
  const ch = createAnalyticsClient({ dataDir: dir, queryTimeoutSeconds: 60 });
  try {
    await migrateAnalytics(ch);
    await ch.insert({ table: 'schema_migrations', values: [{ name: '110_from_the_future' }], format: 'JSONEachRow' });
    await assert.rejects(migrateAnalytics(ch), /newer version of chatlayer-analytics: .*records 110_from_the_future/);
  } finally {
    await ch.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

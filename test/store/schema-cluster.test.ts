/**
 * The cluster variant of the schema (CLICKHOUSE_CLUSTER). No ClickHouse Keeper or second
 * server runs here, so: every generated statement must parse in the engine, and the variant
 * runs on a one-shard cluster declared in chDB's own configuration (the shard is this process,
 * so Distributed reads and synchronous inserts go to the local tables without a connection),
 * with only what Keeper provides taken out: `ON CLUSTER` and the Replicated engines (plain
 * MergeTree with the same dedupe window instead). What that leaves untested is listed in
 * docs/scale-out.md.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Session } from 'chdb';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { insertSettings } from '../../src/store/clickhouse/insert-settings.ts';
import {
  AnalyticsSchemaError,
  backfillRollups,
  CURRENT_MIGRATIONS,
  migrateAnalytics,
} from '../../src/store/clickhouse/migrate.ts';
import {
  migrationsTableStatement,
  rollupBackfillStatements,
  SHARDING_KEY,
  schemaStatements,
} from '../../src/store/clickhouse/schema.ts';

const CLUSTER = 'analytics';
const statements = [migrationsTableStatement(CLUSTER), ...schemaStatements(CLUSTER)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-cluster-'));
const configFile = path.join(dir, 'config.xml');
// A one-shard cluster whose only replica is this process (is_local: tcp_port matches).
fs.writeFileSync(
  configFile,
  `<clickhouse>
  <tcp_port>9000</tcp_port>
  <macros><shard>01</shard><replica>r1</replica></macros>
  <remote_servers><${CLUSTER}><shard><internal_replication>true</internal_replication>
    <replica><host>127.0.0.1</host><port>9000</port></replica>
  </shard></${CLUSTER}></remote_servers>
</clickhouse>`,
);
// The first engine opened in a process fixes its configuration; the client below shares it.
const engine = new Session(path.join(dir, 'store'), { connectionArgs: [`--config-file=${configFile}`] });
let ch: ClickHouseClient;

/** What Keeper would provide, taken out: ON CLUSTER, replication, replica sync. */
function withoutKeeper(sql: string): string {
  return sql
    .replace(new RegExp(` ON CLUSTER ${CLUSTER}\\b`, 'g'), '')
    .replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'\)/g, '$1')
    .replace(
      /replicated_deduplication_window = (\d+), replicated_deduplication_window_seconds = \d+/g,
      'non_replicated_deduplication_window = $1',
    )
    .replace(/^SYSTEM SYNC REPLICA schema_migrations$/, 'SELECT 1');
}

/** The client with its DDL passed through withoutKeeper; everything else unchanged. */
function keeperless(client: ClickHouseClient): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'command') {
        return (params: Parameters<ClickHouseClient['command']>[0]) =>
          target.command({ ...params, query: withoutKeeper(params.query) });
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function rows<T = unknown>(query: string): Promise<T[]> {
  return (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
}

before(() => {
  ch = createAnalyticsClient({ dataDir: path.join(dir, 'store'), queryTimeoutSeconds: 60 });
});
after(async () => {
  await ch.close();
  engine.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cluster DDL', () => {
  test('every statement parses in the engine, with ON CLUSTER and the replicated engines', async () => {
    for (const q of statements) {
      const [row] = await (
        await ch.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q }, format: 'JSONEachRow' })
      ).json<{ f: string }>();
      assert.ok(row?.f.includes(`ON CLUSTER ${CLUSTER}`), `${q}\n→ ${row?.f}`);
    }
    const text = statements.join('\n');
    for (const t of ['events', 'conversation_summary', 'user_first_seen', 'user_messages_15m', 'active_users_15m']) {
      assert.match(text, new RegExp(`CREATE TABLE IF NOT EXISTS ${t}_local ON CLUSTER ${CLUSTER}\\n`));
      assert.ok(
        text.includes(`ENGINE = Distributed(${CLUSTER}, currentDatabase(), ${t}_local, ${SHARDING_KEY})`),
        `${t} is Distributed over ${t}_local`,
      );
    }
    const local = (t: string): string =>
      statements.find((q) => q.startsWith(`CREATE TABLE IF NOT EXISTS ${t}_local `)) ?? '';
    const keeperPath = (t: string) => `'/clickhouse/tables/{shard}/{database}/${t}_local', '{replica}'`;
    assert.ok(local('events').includes(`ENGINE = ReplicatedMergeTree(${keeperPath('events')})`));
    for (const t of ['conversation_summary', 'user_first_seen', 'user_messages_15m']) {
      assert.ok(local(t).includes(`ENGINE = ReplicatedAggregatingMergeTree(${keeperPath(t)})`), t);
    }
    assert.ok(
      local('active_users_15m').includes(`ENGINE = ReplicatedReplacingMergeTree(${keeperPath('active_users_15m')})`),
    );
    for (const v of ['user_messages_15m', 'active_users_15m']) {
      assert.match(text, new RegExp(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${v}_mv ON CLUSTER \\w+ TO ${v}_local`));
    }
    // The backfill empties the local rollups on every node and fills them through the
    // Distributed tables (same sharding key as events).
    const backfill = rollupBackfillStatements(CLUSTER);
    assert.deepEqual(backfill.slice(0, 2), [
      `TRUNCATE TABLE IF EXISTS user_messages_15m_local ON CLUSTER ${CLUSTER}`,
      `TRUNCATE TABLE IF EXISTS active_users_15m_local ON CLUSTER ${CLUSTER}`,
    ]);
    for (const q of backfill) {
      const [row] = await (
        await ch.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q }, format: 'JSONEachRow' })
      ).json<{ f: string }>();
      assert.ok(row?.f, q);
    }
    assert.match(
      text,
      /CREATE MATERIALIZED VIEW IF NOT EXISTS conversation_summary_mv ON CLUSTER \w+ TO conversation_summary_local/,
    );
    assert.match(
      text,
      /CREATE MATERIALIZED VIEW IF NOT EXISTS user_first_seen_mv ON CLUSTER \w+ TO user_first_seen_local/,
    );
    assert.doesNotMatch(text, /FROM events\b(?!_local)/, 'views read the local table');
  });
});

describe('the cluster variant on a one-shard cluster', () => {
  test('migrates, once', async () => {
    assert.deepEqual(await migrateAnalytics(keeperless(ch), { cluster: CLUSTER }), CURRENT_MIGRATIONS);
    assert.deepEqual(await migrateAnalytics(keeperless(ch), { cluster: CLUSTER }), []);
    const engines = await rows<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    assert.deepEqual(engines, [
      { name: 'active_users_15m', engine: 'Distributed' },
      { name: 'active_users_15m_local', engine: 'ReplacingMergeTree' },
      { name: 'active_users_15m_mv', engine: 'MaterializedView' },
      { name: 'conversation_summary', engine: 'Distributed' },
      { name: 'conversation_summary_local', engine: 'AggregatingMergeTree' },
      { name: 'conversation_summary_mv', engine: 'MaterializedView' },
      { name: 'events', engine: 'Distributed' },
      { name: 'events_local', engine: 'MergeTree' },
      { name: 'schema_migrations', engine: 'MergeTree' },
      { name: 'user_first_seen', engine: 'Distributed' },
      { name: 'user_first_seen_local', engine: 'AggregatingMergeTree' },
      { name: 'user_first_seen_mv', engine: 'MaterializedView' },
      { name: 'user_messages_15m', engine: 'Distributed' },
      { name: 'user_messages_15m_local', engine: 'AggregatingMergeTree' },
      { name: 'user_messages_15m_mv', engine: 'MaterializedView' },
    ]);
  });

  test('a retried batch through the Distributed table is stored once, views included; FINAL reads exact', async () => {
    const ev = (seq: number, ts: string, type: string, extra: object) => ({
      team_id: 't1',
      bot_id: 'b1',
      version: 'LIVE',
      type,
      ts,
      seq,
      id: `e${seq}`,
      ingested_at: ts,
      user_id: 'u1',
      conversation_id: 'c1',
      ...extra,
    });
    const batches = [
      [
        ev(1, '2026-10-05 09:00:00.000', 'message', { direction: 'user', kind: 'text' }),
        ev(2, '2026-10-05 09:00:01.000', 'step', { step_id: 'A', step_type: 'bot_dialog' }),
      ],
      [ev(3, '2026-10-05 09:01:00.000', 'step', { step_id: 'B', step_type: 'bot_dialog' })],
    ];
    for (const [i, batch] of batches.entries()) {
      for (let attempt = 0; attempt < 2; attempt++) {
        await ch.insert({
          table: 'events',
          values: batch,
          format: 'JSONEachRow',
          clickhouse_settings: { ...insertSettings(CLUSTER), insert_deduplication_token: `batch-${i}` },
        });
      }
    }
    assert.deepEqual(await rows('SELECT count() AS n FROM events'), [{ n: 3 }]);
    const summary = `SELECT conversation_id, event_count, user_messages, arrayMap(s -> s.2, arraySort(steps)) AS flow
      FROM conversation_summary FINAL WHERE team_id = 't1' AND bot_id = 'b1'`;
    assert.deepEqual(await rows(summary), [
      { conversation_id: 'c1', event_count: 3, user_messages: 1, flow: ['A', 'B'] },
    ]);
    assert.deepEqual(
      await rows(summary.replace('conversation_summary', 'conversation_summary_local')),
      await rows(summary),
    );
    // The rollups too: one user message counted once, its user once.
    assert.deepEqual(await rows('SELECT sum(messages) AS n, count() AS r FROM user_messages_15m'), [{ n: 1, r: 1 }]);
    assert.deepEqual(await rows('SELECT count() AS r FROM active_users_15m_local'), [{ r: 1 }]);
    // Migration 110's backfill on the cluster (each shard from its own events, through the
    // Distributed tables) rebuilds the same rollups: emptied first, not added to.
    await backfillRollups(keeperless(ch), CLUSTER);
    assert.deepEqual(await rows('SELECT sum(messages) AS n, count() AS r FROM user_messages_15m'), [{ n: 1, r: 1 }]);
    assert.deepEqual(await rows('SELECT count() AS r FROM active_users_15m_local'), [{ r: 1 }]);
    // The shape of the users read: a Distributed events subquery joined to a Distributed
    // user_first_seen subquery.
    assert.deepEqual(
      await rows(`SELECT active.user_id AS user_id, first.f AS f FROM (SELECT user_id FROM events GROUP BY user_id) AS active
        LEFT JOIN (SELECT user_id, min(first_ts) AS f FROM user_first_seen GROUP BY user_id) AS first USING user_id`),
      [{ user_id: 'u1', f: '2026-10-05T09:00:00.000Z' }],
    );
  });

  test('the store is refused when opened without CLICKHOUSE_CLUSTER', async () => {
    await assert.rejects(
      migrateAnalytics(ch),
      (e: unknown) =>
        e instanceof AnalyticsSchemaError &&
        /holds the cluster schema .* CLICKHOUSE_CLUSTER is not set/.test(e.message),
    );
  });
});

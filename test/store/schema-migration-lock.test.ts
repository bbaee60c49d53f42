/**
 * I5: replicas that start together migrate the shared analytics store once. Three
 * migrateAnalytics on one `clickhouse:local` store, each with its own PostgreSQL pool (as
 * three processes would have) under withAnalyticsMigrationLock: one creates the schema, the
 * others find it done, and their critical sections never overlap.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { CURRENT_MIGRATIONS, migrateAnalytics } from '../../src/store/clickhouse/migrate.ts';
import { type ControlDb, openControlDb } from '../../src/store/control/db.ts';
import { withAnalyticsMigrationLock } from '../../src/store/control/migration-lock.ts';
import { freshSchema, postgresReachable } from '../foundation/postgres.ts';
import { type ClickHouseLocalProcess, spawnClickHouseLocal } from '../helpers/clickhouse-local.ts';
import { tempDir } from '../helpers/server.ts';

const REPLICAS = 3;
const skip = (await postgresReachable()) ? false : 'PostgreSQL is not reachable on 127.0.0.1:5432';

let fixture: ClickHouseLocalProcess;
let pg: { url: string; drop: () => Promise<void> };
const dbs: ControlDb[] = [];
const clients: ClickHouseClient[] = [];

before(async () => {
  if (skip) return;
  fixture = await spawnClickHouseLocal();
  pg = await freshSchema();
  for (let i = 0; i < REPLICAS; i++) {
    dbs.push(openControlDb({ databaseUrl: pg.url, dataDir: tempDir('cla-lock-') }));
    clients.push(createAnalyticsClient({ url: fixture.url, dataDir: tempDir('cla-lock-'), queryTimeoutSeconds: 60 }));
  }
});
after(async () => {
  for (const c of clients) await c.close();
  for (const db of dbs) await db.destroy();
  await pg?.drop();
  await fixture?.stop();
});

test('three replicas starting together: migrations run and are recorded once', { skip }, async () => {
  const spans: { replica: number; start: number; end: number }[] = [];
  const results = await Promise.all(
    clients.map((client, replica) =>
      migrateAnalytics(client, {
        lock: (fn) =>
          withAnalyticsMigrationLock(dbs[replica] as ControlDb, async () => {
            const start = performance.now();
            try {
              return await fn();
            } finally {
              spans.push({ replica, start, end: performance.now() });
            }
          }),
      }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.length).sort(),
    [0, 0, CURRENT_MIGRATIONS.length],
    `one replica migrates, the others find it done: ${JSON.stringify(results)}`,
  );
  assert.deepEqual(results.flat(), CURRENT_MIGRATIONS);
  const recorded = await (
    await (clients[0] as ClickHouseClient).query({
      query: 'SELECT name, count() AS n FROM schema_migrations GROUP BY name ORDER BY name',
      format: 'JSONEachRow',
    })
  ).json();
  assert.deepEqual(
    recorded,
    CURRENT_MIGRATIONS.map((name) => ({ name, n: 1 })),
  );
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [prev, next] = [spans[i - 1], spans[i]];
    assert.ok(prev && next && prev.end <= next.start, `critical sections overlap: ${JSON.stringify(spans)}`);
  }
  // The lock is released: a later start takes it at once.
  assert.deepEqual(
    await migrateAnalytics(clients[0] as ClickHouseClient, {
      lock: (fn) => withAnalyticsMigrationLock(dbs[0] as ControlDb, fn),
    }),
    [],
  );
});

test('the lock is released when the migration fails', { skip }, async () => {
  const db = dbs[1] as ControlDb;
  await assert.rejects(
    withAnalyticsMigrationLock(db, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  // Another pool (another process) gets it straight away.
  const got = await Promise.race([
    withAnalyticsMigrationLock(dbs[2] as ControlDb, async () => 'locked'),
    new Promise((r) => setTimeout(() => r('timed out'), 5000)),
  ]);
  assert.equal(got, 'locked');
});

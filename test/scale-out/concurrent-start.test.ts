/**
 * I5 (DESIGN.md "Scale-out"): replicas started at the same instant on empty stores all become
 * ready, and each migration is recorded once — control migrations in PostgreSQL's
 * `kysely_migration`, analytics migrations in ClickHouse's `schema_migrations` — then every
 * replica serves ingest and reads on the schema they built together.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { CURRENT_MIGRATIONS } from '../../src/store/clickhouse/migrate.ts';
import { controlMigrations } from '../../src/store/control/migrations/index.ts';
import { postgresReachable } from '../foundation/postgres.ts';
import { startReplicas } from '../helpers/replicas.ts';
import { api, ingest } from '../helpers/server.ts';

const REPLICAS = 3;
// Two fresh pairs of stores: a race that one start happens to win can lose on the next.
const ATTEMPTS = 2;
const skip = !(await postgresReachable()) && 'PostgreSQL is not reachable on 127.0.0.1:5432';

for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
  test(`${REPLICAS} replicas started together on empty stores: all ready, migrations once (${attempt}/${ATTEMPTS})`, {
    skip,
  }, async () => {
    const set = await startReplicas({ replicas: REPLICAS, together: true });
    try {
      const control = await sql<{ name: string; n: string }>`
        SELECT name, count(*) AS n FROM kysely_migration GROUP BY name ORDER BY name`.execute(set.db);
      assert.deepEqual(
        control.rows.map((r) => [r.name, Number(r.n)]),
        Object.keys(controlMigrations)
          .sort()
          .map((name) => [name, 1]),
        'each control migration recorded once',
      );

      const analytics = await (
        await set.ch.query({
          query: 'SELECT name, count() AS n FROM schema_migrations GROUP BY name ORDER BY name',
          format: 'JSONEachRow',
        })
      ).json<{ name: string; n: number }>();
      assert.deepEqual(
        analytics.map((r) => [r.name, Number(r.n)]),
        CURRENT_MIGRATIONS.map((name) => [name, 1]),
        'each analytics migration recorded once',
      );

      // The schema they built together serves every replica: one event through each, read back through each.
      const token = await set.token('team-start');
      for (let i = 0; i < REPLICAS; i++) {
        const res = await ingest(set.url(i), token, [
          {
            id: `start-${i}`,
            type: 'message',
            timestamp: new Date(Date.now() - 60_000).toISOString(),
            team_id: 'team-start',
            bot_id: 'bot-start',
            version: 'LIVE',
            user_id: `u${i}`,
            channel_type: 'web',
            direction: 'user',
            kind: 'text',
            intent: 'hi',
          },
        ]);
        assert.equal(res.status, 200, `replica ${i}: ${JSON.stringify(res.body)}`);
      }
      const day = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      for (let i = 0; i < REPLICAS; i++) {
        const res = await api(
          `${set.url(i)}/v1/bots/bot-start/messages?version=LIVE&start_time=${day}&end_time=${tomorrow}`,
          token,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const sum = (res.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum;
        assert.equal(sum, REPLICAS, `replica ${i} reads every replica's message`);
      }
    } catch (e) {
      for (let i = 0; i < REPLICAS; i++) process.stderr.write(`--- replica ${i} ---\n${set.output(i).slice(-3000)}\n`);
      throw e;
    } finally {
      await set.stopAll();
    }
  });
}

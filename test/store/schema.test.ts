/**
 * The squashed analytics schema (issue 10): a fresh store is exactly docs/schema.sql, a start
 * that crashed half-way through creating it completes on the next, and what migrateAnalytics
 * does with each kind of recorded history (fresh, up to date, old, half-old, newer).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { insertSettings } from '../../src/store/clickhouse/insert-settings.ts';
import { LEGACY_MIGRATIONS } from '../../src/store/clickhouse/legacy-schema.ts';
import {
  AnalyticsSchemaError,
  CURRENT_MIGRATIONS,
  migrateAnalytics,
  planAnalyticsMigration,
  ROLLUPS_MIGRATION,
  SCHEMA_MIGRATION,
} from '../../src/store/clickhouse/migrate.ts';
import { migrationsTableStatement, schemaStatements } from '../../src/store/clickhouse/schema.ts';
import { LEGACY_FILES } from './legacy-store.ts';
import { dumpSchema, freshSchemaDump, SCHEMA_FILE } from './schema-dump.ts';

const REGENERATE =
  'docs/schema.sql differs from what a fresh store prints. If the schema change is intended, run ' +
  '`npm run schema:dump` and commit docs/schema.sql (and give stores created before it a migration).';

describe('a fresh store', () => {
  test('prints exactly docs/schema.sql', async () => {
    assert.equal(await freshSchemaDump(), fs.readFileSync(SCHEMA_FILE, 'utf8'), REGENERATE);
  });

  test('a start that crashed after any creating statement is completed by the next', async () => {
    const expected = fs.readFileSync(SCHEMA_FILE, 'utf8');
    const statements = schemaStatements(undefined);
    for (let done = 1; done < statements.length; done++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-schema-crash-'));
      const ch = createAnalyticsClient({ dataDir: dir, queryTimeoutSeconds: 60 });
      try {
        // The crashed start: schema_migrations made, some statements run, nothing recorded.
        await ch.command({ query: migrationsTableStatement(undefined) });
        for (const query of statements.slice(0, done)) await ch.command({ query });
        assert.deepEqual(await migrateAnalytics(ch), CURRENT_MIGRATIONS);
        assert.deepEqual(await migrateAnalytics(ch), []);
        assert.equal(await dumpSchema(ch), expected, `after ${done} statement(s): ${REGENERATE}`);
      } finally {
        await ch.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('planAnalyticsMigration', () => {
  test('the old files this version knows are the ones the old store helper applies', () => {
    assert.deepEqual([...LEGACY_MIGRATIONS], [...LEGACY_FILES]);
  });

  const cases: { name: string; recorded: string[]; cluster?: string; plan?: string; error?: RegExp }[] = [
    { name: 'empty store', recorded: [], plan: 'create' },
    { name: 'empty store, cluster', recorded: [], cluster: 'analytics', plan: 'create' },
    { name: 'squashed schema and rollups recorded', recorded: [...CURRENT_MIGRATIONS], plan: 'up-to-date' },
    { name: 'squashed schema only (before issue 12)', recorded: [SCHEMA_MIGRATION], plan: 'add-rollups' },
    {
      name: 'squashed schema only, cluster',
      recorded: [SCHEMA_MIGRATION],
      cluster: 'analytics',
      plan: 'add-rollups',
    },
    { name: 'upgraded old store', recorded: [...LEGACY_MIGRATIONS, ...CURRENT_MIGRATIONS], plan: 'up-to-date' },
    { name: 'old store upgraded to 100 only', recorded: [...LEGACY_MIGRATIONS, SCHEMA_MIGRATION], plan: 'add-rollups' },
    {
      name: 'rollups recorded without the schema',
      recorded: [ROLLUPS_MIGRATION],
      error: /records 110_rollups but not 100_live_schema, which no version writes/,
    },
    { name: 'complete old store', recorded: [...LEGACY_MIGRATIONS].reverse(), plan: 'upgrade-v1' },
    {
      name: 'half-migrated old store',
      recorded: LEGACY_MIGRATIONS.slice(0, 3),
      error:
        /half-migrated by an older version: schema_migrations records 001_events\.sql, 002_conversations\.sql, 040_team_conversations\.sql but not 050_conversation_facts\.sql, 051_conversation_summary\.sql, 060_kb_tags\.sql\. Start the previous release once/,
    },
    {
      name: 'one old file only',
      recorded: ['060_kb_tags.sql'],
      error: /records 060_kb_tags\.sql but not 001_events\.sql/,
    },
    {
      name: 'newer version',
      recorded: [SCHEMA_MIGRATION, '200_something_new'],
      error: /migrated by a newer version .* records 200_something_new, which this version does not know/,
    },
    {
      name: 'newer version on an old store',
      recorded: [...LEGACY_MIGRATIONS, '070_future.sql'],
      error: /newer version .* records 070_future\.sql/,
    },
    {
      name: 'old single-node store with CLICKHOUSE_CLUSTER',
      recorded: [...LEGACY_MIGRATIONS],
      cluster: 'analytics',
      error: /CLICKHOUSE_CLUSTER=analytics is set, but the analytics store holds the single-node schema/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.error) {
        assert.throws(
          () => planAnalyticsMigration(c.recorded, c.cluster),
          (e: unknown) => e instanceof AnalyticsSchemaError && (c.error as RegExp).test(e.message),
        );
      } else {
        assert.equal(planAnalyticsMigration(c.recorded, c.cluster), c.plan);
      }
    });
  }
});

describe('insertSettings', () => {
  test('single node: views dedupe retried blocks too; no token (the caller adds it)', () => {
    assert.deepEqual(insertSettings(undefined), { deduplicate_blocks_in_dependent_materialized_views: 1 });
  });
  test('cluster: a Distributed insert answers once the shards stored it', () => {
    assert.deepEqual(insertSettings('analytics'), {
      deduplicate_blocks_in_dependent_materialized_views: 1,
      distributed_foreground_insert: 1,
    });
  });
});

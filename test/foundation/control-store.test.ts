import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createToken, credentialsFromHeader, listTokens, revokeToken, verifyToken } from '../../src/auth/tokens.ts';
import { BotRegistry } from '../../src/store/control/bots.ts';
import { type ControlDb, migrateControl, openControlDb } from '../../src/store/control/db.ts';
import { controlMigrations } from '../../src/store/control/migrations/index.ts';
import { tempDir } from '../helpers/server.ts';
import { freshSchema, postgresReachable } from './postgres.ts';

// Issue 2 §3: the same control-store code and migrations on SQLite and PostgreSQL.
const engines: { name: string; open: () => Promise<{ db: ControlDb; cleanup: () => Promise<void> }> }[] = [
  {
    name: 'SQLite',
    open: async () => {
      const db = openControlDb({ databaseUrl: undefined, dataDir: tempDir() });
      return { db, cleanup: async () => db.destroy() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const schema = await freshSchema();
      const db = openControlDb({ databaseUrl: schema.url, dataDir: tempDir() });
      return {
        db,
        cleanup: async () => {
          await db.destroy();
          await schema.drop();
        },
      };
    },
  },
];

for (const engine of engines) {
  describe(`control store on ${engine.name}`, () => {
    let db: ControlDb;
    let cleanup: () => Promise<void> = async () => {};
    let skip = false;

    before(async () => {
      if (engine.name === 'PostgreSQL' && !(await postgresReachable())) {
        skip = true;
        return;
      }
      ({ db, cleanup } = await engine.open());
    });
    after(async () => {
      await cleanup();
    });

    test('migrations apply from nothing and are idempotent', async (t) => {
      if (skip) return t.skip('PostgreSQL not reachable');
      await migrateControl(db);
      await migrateControl(db);
      const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        Object.keys(controlMigrations).sort(),
      );
      for (const table of ['teams', 'tokens', 'bots']) {
        const r = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
        assert.equal(Number(r.rows[0]?.n), 0, table);
      }
      // kv starts empty but for SQLite's seq block counter (PostgreSQL uses a sequence).
      const kv = await sql<{ key: string }>`SELECT key FROM kv`.execute(db);
      assert.deepEqual(
        kv.rows.map((r) => r.key),
        engine.name === 'SQLite' ? ['ingest_seq_next'] : [],
      );
    });

    test('tokens: create, verify, list without secrets, revoke', async (t) => {
      if (skip) return t.skip('PostgreSQL not reachable');
      const { id, token } = await createToken(db, 'team-1', ['read', 'ingest'], 'label');
      const creds = credentialsFromHeader(`Bearer ${token}`);
      assert.ok(creds);
      const principal = await verifyToken(db, creds);
      assert.equal(principal?.teamId, 'team-1');
      assert.deepEqual([...(principal?.scopes ?? [])].sort(), ['ingest', 'read']);
      assert.equal(await verifyToken(db, { id, secret: 'wrong' }), undefined);
      assert.equal(await verifyToken(db, { id: 'tok_missing', secret: creds.secret }), undefined);

      const listed = await listTokens(db, 'team-1');
      assert.equal(listed.length, 1);
      assert.ok(!JSON.stringify(listed).includes(creds.secret));
      const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(creds.secret), 'secret stored hashed');

      assert.equal(await revokeToken(db, id), true);
      assert.equal(await revokeToken(db, id), false);
      assert.equal(await verifyToken(db, creds), undefined);
      assert.notEqual((await listTokens(db, 'team-1'))[0]?.revoked_at, null);
    });

    test('bot registry: first claim wins, teams are created, bots listed per team', async (t) => {
      if (skip) return t.skip('PostgreSQL not reachable');
      const bots = new BotRegistry(db);
      assert.equal(await bots.ownerOf('bot-x'), undefined);
      assert.equal(await bots.claim('bot-x', 'team-a'), 'team-a');
      assert.equal(await bots.claim('bot-x', 'team-b'), 'team-a');
      // A second registry (another process) sees the same owner from the store.
      const other = new BotRegistry(db);
      assert.equal(await other.ownerOf('bot-x'), 'team-a');
      assert.equal(await other.claim('bot-x', 'team-b'), 'team-a');
      await bots.claim('bot-y', 'team-a');
      await bots.claim('bot-z', 'team-b');
      assert.deepEqual(await bots.botsOfTeam('team-a'), ['bot-x', 'bot-y']);
      assert.deepEqual(await bots.botsOfTeam('team-b'), ['bot-z']);
      assert.equal(await bots.teamExists('team-b'), true);
      assert.equal(await bots.teamExists('team-nobody'), false);
    });

    test('concurrent claims of a new bot agree on one owner', async (t) => {
      if (skip) return t.skip('PostgreSQL not reachable');
      const owners = await Promise.all(
        ['team-p', 'team-q', 'team-r', 'team-s'].map((team) => new BotRegistry(db).claim('bot-race', team)),
      );
      assert.equal(new Set(owners).size, 1);
    });
  });
}

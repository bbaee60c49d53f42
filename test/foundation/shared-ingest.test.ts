/**
 * Issue 10: the ingest state lives in the control store, so two writers (two replicas'
 * group commits, here in one process on one PostgreSQL schema and one analytics store)
 * racing on the same ids and the same users store each id once and sessionize as one
 * writer would. Also: a batch inserted twice under its token is stored once, views included.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { GroupCommitWriter } from '../../src/ingest/group-commit.ts';
import { insertBatch } from '../../src/ingest/outbox.ts';
import { Sessionizer } from '../../src/ingest/sessionize.ts';
import { validateEvents } from '../../src/ingest/validate.ts';
import { createLogger } from '../../src/log.ts';
import type { ControlDatabase } from '../../src/store/control/schema.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { BASE_MS, MIN, message, uniq } from './fixtures.ts';
import { freshSchema, postgresReachable } from './postgres.ts';

const reachable = await postgresReachable();
let server: TestServer;
let schema: Awaited<ReturnType<typeof freshSchema>>;
let otherDb: Kysely<ControlDatabase>;
let other: GroupCommitWriter;

before(async () => {
  if (!reachable) return;
  schema = await freshSchema();
  server = await startTestServer({ databaseUrl: schema.url });
  // A second "replica": its own connection pool and group commit on the same stores.
  otherDb = new Kysely<ControlDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 4 }) }),
  });
  other = new GroupCommitWriter(server.services.ch, otherDb, new Sessionizer(server.services.ch, 900_000), {
    maxQueuedEvents: 1_000_000,
    log: createLogger('silent'),
    sessionsComplete: true,
    sessionGapMs: 900_000,
  });
});
after(async () => {
  await other?.drain();
  await otherDb?.destroy();
  await server?.close();
  await schema?.drop();
});

const valid = (raw: Record<string, unknown>[]) => {
  const checked = validateEvents(raw);
  assert.ok(checked.ok);
  return checked.events;
};

const rows = async (bot: string) =>
  (
    await server.services.ch.query({
      query: `SELECT id, user_id, conversation_id, seq FROM events WHERE bot_id = {bot:String} ORDER BY ts, seq`,
      query_params: { bot },
      format: 'JSONEachRow',
    })
  ).json<{ id: string; user_id: string; conversation_id: string; seq: number }>();

test('two writers racing on the same ids store each once', { skip: !reachable && 'no PostgreSQL' }, async () => {
  const team = uniq('t');
  const bot = uniq('b');
  const raw = Array.from({ length: 400 }, (_, i) =>
    message({ team, bot, user: `u${i % 20}`, id: `e${i}`, at: BASE_MS + i * 1000 }),
  );
  await server.services.bots.claim(bot, team);
  // Every event offered to both writers at once, in different batchings.
  const results = await Promise.all([
    ...[0, 100, 200, 300].map((o) => server.services.writer.write(valid(raw.slice(o, o + 100)))),
    ...[0, 200].map((o) => other.write(valid(raw.slice(o, o + 200)))),
  ]);
  const accepted = results.reduce((n, r) => n + r.accepted, 0);
  const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
  assert.equal(accepted, 400);
  assert.equal(duplicates, 400);
  const stored = await rows(bot);
  assert.equal(stored.length, 400);
  assert.equal(new Set(stored.map((r) => r.id)).size, 400);
  assert.equal(new Set(stored.map((r) => r.seq)).size, 400, 'seqs are unique across writers');
});

test('one user split across two writers gets the conversations one writer gives', {
  skip: !reachable && 'no PostgreSQL',
}, async () => {
  const team = uniq('t');
  const bot = uniq('b');
  await server.services.bots.claim(bot, team);
  // Two conversations (a 20-minute gap between them), their events alternating between writers.
  const times = [0, 2, 4, 6, 8, 28, 30, 32, 34].map((m) => BASE_MS + m * MIN);
  for (const [i, at] of times.entries()) {
    const w = i % 2 === 0 ? server.services.writer : other;
    await w.write(valid([message({ team, bot, user: 'u1', at })]));
  }
  const stored = await rows(bot);
  assert.equal(stored.length, 9);
  const convs = stored.map((r) => r.conversation_id);
  assert.equal(new Set(convs.slice(0, 5)).size, 1);
  assert.equal(new Set(convs.slice(5)).size, 1);
  assert.notEqual(convs[0], convs[5]);
  // Seqs follow arrival order per key whichever writer took the event.
  const bySeq = [...stored].sort((a, b) => a.seq - b.seq).map((r) => r.conversation_id);
  assert.deepEqual(bySeq, convs);
});

test('a batch inserted twice under its token is stored once, in events and in the views', {
  skip: !reachable && 'no PostgreSQL',
}, async () => {
  const team = uniq('t');
  const bot = uniq('b');
  const ev = valid([message({ team, bot, user: 'u1', id: 'x1', conversation: 'c1' })])[0];
  assert.ok(ev);
  const row = JSON.stringify([
    team,
    bot,
    'LIVE',
    'message',
    new Date(BASE_MS).toISOString().slice(0, 23).replace('T', ' '),
    1,
    'x1',
    1,
    new Date(BASE_MS).toISOString().slice(0, 23).replace('T', ' '),
    'u1',
    'c1',
    'web',
    '',
    'en',
    '',
    '',
    'user',
    'text',
    'greet',
    1,
    0.9,
    '',
    '',
    '',
    '{}',
    0,
    0,
    [],
  ]);
  const batchId = `batch-${uniq('x')}`;
  await insertBatch(server.services.ch, batchId, row);
  await insertBatch(server.services.ch, batchId, row);
  assert.equal((await rows(bot)).length, 1);
  const summary = await (
    await server.services.ch.query({
      query: `SELECT user_messages, event_count FROM conversation_summary FINAL WHERE bot_id = {bot:String}`,
      query_params: { bot },
      format: 'JSONEachRow',
    })
  ).json<{ user_messages: number; event_count: number }>();
  assert.deepEqual(summary, [{ user_messages: 1, event_count: 1 }]);
});

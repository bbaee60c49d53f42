import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { BASE_MS, processPool } from '../foundation/fixtures.ts';
import { freshSchema, postgresReachable } from '../foundation/postgres.ts';
import { api, cliToken, ingest, repoRoot, runNode, type ServerProcess, tempDir } from '../helpers/server.ts';
import { Receiver } from '../webhooks/receiver.ts';

// Issue 9 "Shutdown deadline": SIGTERM finishes within SHUTDOWN_DEADLINE_SECONDS even when a
// store hangs, says what it gave up, and exits non-zero then; 0 when everything flushed.
const pool = processPool();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await pool.stopAll();
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** SIGTERM; resolves with the exit code and the ms it took, or code null after `limitMs`. */
async function sigterm(p: ServerProcess, limitMs: number): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
  p.child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), limitMs))]);
  return { code, ms: Date.now() - t0 };
}

const tracking = (bot: string, n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    type: 'tracking',
    timestamp: new Date(BASE_MS + i).toISOString(),
    team_id: 'team-sd',
    bot_id: bot,
    version: 'LIVE',
    user_id: 'u1',
    event: 'clicked',
    attributes: {},
  }));

test('nothing hangs: SIGTERM flushes, closes and exits 0', async () => {
  const dir = tempDir();
  const token = await cliToken(dir, 'team-sd', 'ingest');
  const srv = await pool.start(dir, { SHUTDOWN_DEADLINE_SECONDS: '2', LOG_LEVEL: 'info' });
  assert.equal((await ingest(srv.url, token, tracking('bot-sd', 5, 'c'))).status, 200);
  const { code } = await sigterm(srv, 10_000);
  assert.equal(code, 0, srv.output());
  assert.match(srv.output(), /shutdown complete/);
});

test('a control store blocked by a lock: exit within the deadline, non-zero, saying what was given up', async (t) => {
  if (!(await postgresReachable())) return t.skip('PostgreSQL not reachable');
  const schema = await freshSchema();
  cleanups.push(schema.drop);
  const dir = tempDir();
  const env = { DATA_DIR: dir, DATABASE_URL: schema.url };
  const bin = path.join(repoRoot, 'bin', 'chatlayer-analytics.js');
  const token = (await runNode([bin, 'token', 'create', '--team', 'team-sd', '--scopes', 'ingest,admin'], env)).trim();
  const rcv = await new Receiver().listen();
  cleanups.push(() => rcv.close());
  const srv = await pool.start(dir, {
    DATABASE_URL: schema.url,
    SHUTDOWN_DEADLINE_SECONDS: '2',
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  });
  assert.equal((await ingest(srv.url, token, tracking('bot-sd', 1, 'a'))).status, 200);
  const sub = await api(`${srv.url}/v1/bots/bot-sd/subscriptions`, token, {
    method: 'POST',
    body: JSON.stringify({ target: rcv.url, event_type: 'TRACKING_EVENT', version: 'v1' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  // The dispatcher works before the lock: a new event reaches the receiver.
  assert.equal((await ingest(srv.url, token, tracking('bot-sd', 1, 'd'))).status, 200);
  await rcv.waitFor(1);

  // A real hang: the test holds ACCESS EXCLUSIVE locks on two control-store tables, so
  // the dispatcher's attempt writes and a new bot's claim wait for as long as it likes.
  const locker = new pg.Client({ connectionString: schema.url });
  await locker.connect();
  cleanups.push(async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  });
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE webhook_attempts, bots IN ACCESS EXCLUSIVE MODE');
  // Stored with its delivery (enqueued in the ingest transaction); the attempt's record is blocked.
  assert.equal((await ingest(srv.url, token, tracking('bot-sd', 3, 'b'))).status, 200);
  // A first ingest for a new bot waits on the bots table: a request in flight forever.
  const stuck = ingest(srv.url, token, tracking('bot-new', 1, 'n')).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));

  const { code, ms } = await sigterm(srv, 10_000);
  const out = srv.output();
  assert.notEqual(code, null, `still running 10 s after SIGTERM:\n${out}`);
  assert.ok(ms >= 1_900 && ms < 5_000, `exited after ${ms} ms`);
  assert.equal(code, 1);
  assert.match(out, /shutdown deadline of 2 s passed/);
  assert.match(out, /webhook dispatcher did not stop/);
  assert.match(out, /HTTP server did not close: \d+ connection\(s\) still open/);
  assert.match(out, /gave up flushing \d+ queued events/);
  assert.doesNotMatch(out, /shutdown complete/);
  await stuck;
  if (process.env.OPS2_SHOW_LOG) console.log(out);
});

/**
 * Issue 10, "Crash loop" on the embedded default: one `serve` process (chDB + SQLite in its
 * DATA_DIR), ≥ 20 rounds of concurrent ingest, kill -9 at a random moment, restart, every
 * unanswered request retried until answered. Then every acknowledged event is stored exactly
 * once, the outbox is empty after a clean stop, and the conversations are the reference's
 * (crash-loop-driver.ts, as for the replicas in crash-loop.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { openControlDb } from '../../src/store/control/db.ts';
import { startEmbedded } from '../helpers/replicas.ts';
import { cliToken } from '../helpers/server.ts';
import { crashLoop, verify, verifyApi } from './crash-loop-driver.ts';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 20);
const TEAM = 'team-crash';
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`crash loop on the embedded default: ${ROUNDS} rounds of kill -9 and restart, every acknowledged event once, sessions as the reference`, async () => {
  const proc = await startEmbedded();
  let ch: ClickHouseClient | undefined;
  let passed = false;
  try {
    const token = await cliToken(proc.dataDir, TEAM, 'ingest,read');
    const rounds = await crashLoop({
      fleet: {
        size: 1,
        url: () => proc.url(),
        alive: () => proc.alive(),
        kill9: () => proc.kill9(),
        restart: () => proc.restart(),
      },
      token,
      team: TEAM,
      rounds: ROUNDS,
      clients: 3,
      batch: 25,
      killWindowMs: [200, 1200],
      afterKillMs: 0,
      log,
    });
    assert.ok(rounds.reduce((s, r) => s + r.unanswered, 0) > 0, 'some request went unanswered and was retried');
    // A batch the last kill left committed is moved by the restarted process: wait until the
    // outbox is empty (SQLite in WAL mode takes a reader beside the server). chDB binds its data
    // dir to one process: read through the API, then stop the process (SIGTERM) and open the
    // store here for the exact counts.
    const reader = new SQLite(path.join(proc.dataDir, 'control.db'), { readonly: true });
    const drainBy = Date.now() + 60_000;
    while ((reader.prepare('SELECT count(*) AS n FROM ingest_outbox').get() as { n: number }).n > 0) {
      if (Date.now() > drainBy) break;
      await sleep(250);
    }
    reader.close();
    const deadline = Date.now() + 30_000;
    let apiFailures = await verifyApi(proc.url(), token, rounds);
    while (apiFailures.length > 0 && Date.now() < deadline) {
      await sleep(1000);
      apiFailures = await verifyApi(proc.url(), token, rounds);
    }
    await proc.stop();
    const db = openControlDb({ dataDir: proc.dataDir });
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ingest_outbox`.execute(db);
    await db.destroy();
    ch = createAnalyticsClient({ dataDir: path.join(proc.dataDir, 'clickhouse'), queryTimeoutSeconds: 120 });
    const failures = [...(await verify(ch, rounds, log)), ...apiFailures];
    const outbox = Number(rows[0]?.n ?? -1);
    if (outbox !== 0) failures.push(`ingest_outbox still holds ${outbox} rows after a clean stop`);
    assert.deepEqual(failures, []);
    passed = true;
  } catch (e) {
    log(`--- embedded (data kept in ${proc.dataDir}) ---\n${proc.output().slice(-3000)}`);
    throw e;
  } finally {
    await ch?.close();
    if (proc.alive()) await proc.kill9();
    if (passed) fs.rmSync(proc.dataDir, { recursive: true, force: true });
  }
});

/**
 * Issue 10, "Crash loop" through 3 replicas on PostgreSQL + clickhouse:local: ≥ 20 rounds of
 * concurrent ingest, kill -9 of a random replica at a random moment, every unanswered request
 * retried on another replica until answered, the killed replica restarted in the background
 * (I6: the others serve meanwhile). Then every acknowledged event is in ClickHouse exactly once
 * (rows and distinct ids per bot, zero doubled, nothing stored that was never acknowledged), the
 * outbox has drained, and the conversations are the reference's (test/reference sessionization
 * of the acknowledged events): the same partition of event ids, and the same API answer.
 * The same loop on the embedded default is crash-loop-embedded.test.ts (a file of its own so
 * each stays well under 3 minutes on this 2-core machine).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { postgresReachable } from '../foundation/postgres.ts';
import { startReplicas } from '../helpers/replicas.ts';
import { crashLoop, settle, verify, verifyApi } from './crash-loop-driver.ts';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 20);
const TEAM = 'team-crash';
const skip = !(await postgresReachable()) && 'PostgreSQL is not reachable on 127.0.0.1:5432';
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`crash loop through 3 replicas: ${ROUNDS} rounds of kill -9, every acknowledged event once, sessions as the reference`, {
  skip,
}, async () => {
  const set = await startReplicas({ replicas: 3 });
  try {
    const token = await set.token(TEAM, ['ingest', 'read']);
    const rounds = await crashLoop({
      fleet: set,
      token,
      team: TEAM,
      rounds: ROUNDS,
      clients: 3,
      batch: 25,
      killWindowMs: [200, 1200],
      afterKillMs: 400,
      log,
    });
    assert.ok(rounds.reduce((s, r) => s + r.unanswered, 0) > 0, 'some request went unanswered and was retried');
    await settle(set.ch, rounds);
    // Every committed batch reaches ClickHouse: the outbox drains once no replica is dead.
    const deadline = Date.now() + 60_000;
    let outbox = -1;
    while (Date.now() < deadline) {
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ingest_outbox`.execute(set.db);
      outbox = Number(rows[0]?.n ?? -1);
      if (outbox === 0) break;
      await sleep(1000);
    }
    const failures = [...(await verify(set.ch, rounds, log)), ...(await verifyApi(set.url(0), token, rounds))];
    if (outbox !== 0) failures.push(`ingest_outbox still holds ${outbox} rows`);
    assert.deepEqual(failures, []);
  } catch (e) {
    for (let i = 0; i < set.size; i++) log(`--- replica ${i} ---\n${set.output(i).slice(-3000)}`);
    throw e;
  } finally {
    await set.stopAll();
  }
});

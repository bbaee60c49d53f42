/**
 * Kill loop (issue 9 "Done when"): N rounds of — start `chatlayer-analytics serve` on one
 * data dir, ingest from a few concurrent clients, kill the server at a random moment
 * (kill -9 or SIGTERM, alternating unless KILL_MODE says otherwise), restart, retry every
 * request that got no 200 (same ids, so a retry is a duplicate where the first try was
 * stored) — then stop the server and count, per round, each acknowledged id's rows in the
 * analytics store. Every acknowledged event must be present exactly once (CONTRACT §1).
 * Not part of `npm test`: it starts many servers and takes a minute or more.
 *
 *   node --import tsx bench/kill-loop.ts                   # 6 rounds, kill -9 and SIGTERM alternating
 *   KILL_ROUNDS=5 KILL_MODE=sigterm node --import tsx bench/kill-loop.ts
 *   KILL_MODE=kill9 KILL_CLIENTS=4 KILL_BATCH=200 node --import tsx bench/kill-loop.ts
 *   KILL_REPLICAS=3 KILL_ROUNDS=20 node --import tsx bench/kill-loop.ts   # N replicas, PostgreSQL + clickhouse:local
 *
 * With KILL_REPLICAS=N the loop of test/scale-out/crash-loop.test.ts runs instead: N `serve`
 * replicas on shared stores, kill -9 of a random one per round, unanswered requests retried on
 * another replica, the killed one restarted in the background; then exactly-once and the
 * sessions of every round's bot are checked against test/reference.
 *
 * Exit code 0 when nothing was lost or doubled, 1 otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAnalyticsClient } from '../src/store/clickhouse/client.ts';
import { startReplicas } from '../test/helpers/replicas.ts';
// The test suite's launcher: `serve` as a child process on a free loopback port, ready on /readyz.
import { cliToken, startServerProcess } from '../test/helpers/server.ts';
import { crashLoop, settle, verify, verifyApi } from '../test/scale-out/crash-loop-driver.ts';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const ROUNDS = num('KILL_ROUNDS', 6);
const CLIENTS = num('KILL_CLIENTS', 4);
const BATCH = num('KILL_BATCH', 200);
/** The kill lands uniformly in [MIN, MAX) ms after the clients start. */
const KILL_MIN_MS = num('KILL_MIN_MS', 300);
const KILL_MAX_MS = num('KILL_MAX_MS', 2500);
const MODE = (process.env.KILL_MODE ?? 'alternate') as 'alternate' | 'kill9' | 'sigterm';
const TEAM = 'team-kill-loop';
/** Ids of batches that got their 200 only on a retry after a restart. */
const retriedIds = new Set<string>();

type Kill = 'kill9' | 'sigterm';
interface Batch {
  ids: string[];
  body: string;
  /** The acknowledged ids of the round that first sent it (a retry's 200 counts there). */
  acked: Set<string>;
}
interface Round {
  n: number;
  kill: Kill;
  bot: string;
  acked: Set<string>;
  sentBatches: number;
  unanswered: number;
  exitCode: number | null;
  killAtMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeBatch(bot: string, client: number, k: number, acked: Set<string>): Batch {
  const now = Date.now();
  const events = Array.from({ length: BATCH }, (_, i) => ({
    id: `c${client}-b${k}-e${i}`,
    type: 'message',
    timestamp: new Date(now - 60_000 + i).toISOString(),
    team_id: TEAM,
    bot_id: bot,
    version: 'LIVE',
    user_id: `u${client}-${i % 7}`,
    channel_type: 'web',
    language: 'en',
    direction: 'user',
    kind: 'text',
    intent: 'greet',
  }));
  return { ids: events.map((e) => e.id), body: events.map((e) => JSON.stringify(e)).join('\n'), acked };
}

/** One POST; true on a 200 whose counts add up (accepted + duplicates = batch size). */
async function post(url: string, token: string, b: Batch): Promise<boolean> {
  const ok = await postOnce(url, token, b);
  if (ok) for (const id of b.ids) b.acked.add(id);
  return ok;
}

async function postOnce(url: string, token: string, b: Batch): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: b.body,
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await res.json()) as { accepted?: number; duplicates?: number };
    if (res.status !== 200) return false;
    if ((body.accepted ?? 0) + (body.duplicates ?? 0) !== b.ids.length) {
      throw new Error(`200 with counts ${JSON.stringify(body)} for ${b.ids.length} events`);
    }
    return true;
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('200 with')) throw e;
    return false; // connection reset / refused / 503 while closing: no answer, retry later
  }
}

async function runRound(dataDir: string, token: string, n: number, kill: Kill, retry: Batch[]): Promise<Round> {
  const bot = `bot-r${n}-${kill}`;
  const round: Round = {
    n,
    kill,
    bot,
    acked: new Set(),
    sentBatches: 0,
    unanswered: 0,
    exitCode: null,
    killAtMs: 0,
  };
  const srv = await startServerProcess(dataDir);
  // First the requests the previous round left unanswered, until each gets its 200.
  for (const b of retry) {
    while (!(await post(srv.url, token, b))) await sleep(200);
    for (const id of b.ids) retriedIds.add(id);
  }
  retry.length = 0;
  let dead = false;
  const unanswered: Batch[] = [];
  const client = async (c: number) => {
    for (let k = 0; !dead; k++) {
      const b = makeBatch(bot, c, k, round.acked);
      round.sentBatches++;
      if (!(await post(srv.url, token, b))) {
        unanswered.push(b);
        return; // the server is going away; this client's round is over
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  round.killAtMs = Math.round(KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS));
  await sleep(round.killAtMs);
  await (kill === 'kill9' ? srv.kill9() : srv.stop());
  round.exitCode = srv.child.exitCode; // null when a signal ended it
  dead = true;
  await Promise.all(clients);
  round.unanswered = unanswered.length;
  retry.push(...unanswered);
  return round;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-kill-loop-'));
  const token = await cliToken(dataDir, TEAM, 'ingest');
  process.stdout.write(
    `kill loop: ${ROUNDS} rounds, ${CLIENTS} clients × ${BATCH}-event batches, mode ${MODE}, data ${dataDir}\n`,
  );

  const rounds: Round[] = [];
  const retry: Batch[] = [];
  for (let n = 1; n <= ROUNDS; n++) {
    const kill: Kill = MODE === 'alternate' ? (n % 2 === 1 ? 'kill9' : 'sigterm') : MODE;
    const r = await runRound(dataDir, token, n, kill, retry);
    rounds.push(r);
    process.stdout.write(
      `round ${n}: ${kill} at ${r.killAtMs} ms, exit ${r.exitCode ?? 'signal'}, ${r.acked.size} events acked, ${r.unanswered} batches unanswered\n`,
    );
  }
  // A last start answers the final round's unanswered requests, then a clean stop.
  const last = await startServerProcess(dataDir);
  for (const b of retry) {
    while (!(await post(last.url, token, b))) await sleep(200);
    for (const id of b.ids) retriedIds.add(id);
  }
  await last.stop();
  const lastExit = last.child.exitCode;
  if (lastExit !== 0) process.stdout.write(`final SIGTERM exited ${lastExit}:\n${last.output()}\n`);

  // Batches retried after a restart are credited to the round (and bot) that first sent them.
  const ch = createAnalyticsClient({ dataDir: path.join(dataDir, 'clickhouse'), queryTimeoutSeconds: 120 });
  let bad = 0;
  for (const r of rounds) {
    const rows = await (
      await ch.query({
        query: 'SELECT id, count() AS n FROM events WHERE bot_id = {b:String} GROUP BY id',
        query_params: { b: r.bot },
        format: 'JSONEachRow',
      })
    ).json<{ id: string; n: number }>();
    const count = new Map(rows.map((x) => [x.id, Number(x.n)]));
    let missing = 0;
    let doubled = 0;
    let doubledRetried = 0;
    let extraRows = 0;
    for (const id of r.acked) {
      const c = count.get(id) ?? 0;
      if (c === 0) missing++;
      if (c > 1) {
        doubled++;
        if (retriedIds.has(id)) doubledRetried++;
        extraRows += c - 1;
      }
    }
    const unacked = rows.filter((x) => !r.acked.has(x.id)).length;
    const totalRows = rows.reduce((s, x) => s + Number(x.n), 0);
    if (missing + doubled > 0) bad++;
    process.stdout.write(
      `round ${r.n} (${r.kill}): acked ${r.acked.size}, rows ${totalRows}, distinct ids ${count.size}, missing ${missing}, doubled ids ${doubled} (+${extraRows} rows; ${doubledRetried} of them retried after a restart), stored but never acked ${unacked}\n`,
    );
  }
  await ch.close();
  process.stdout.write(bad === 0 ? 'OK: every acknowledged event stored exactly once\n' : `FAIL: ${bad} rounds\n`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(bad === 0 ? 0 : 1);
}

/** KILL_REPLICAS=N: the multi-replica crash loop (test/scale-out/crash-loop-driver.ts). */
async function replicasLoop(n: number): Promise<void> {
  const set = await startReplicas({ replicas: n });
  let failures: string[] = [];
  try {
    const token = await set.token(TEAM, ['ingest', 'read']);
    process.stdout.write(
      `kill loop: ${ROUNDS} rounds through ${n} replicas, ${CLIENTS} clients × ${BATCH}-event batches\n`,
    );
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const rounds = await crashLoop({
      fleet: set,
      token,
      team: TEAM,
      rounds: ROUNDS,
      clients: CLIENTS,
      batch: BATCH,
      killWindowMs: [KILL_MIN_MS, KILL_MAX_MS],
      afterKillMs: 400,
      log,
    });
    await settle(set.ch, rounds);
    failures = [...(await verify(set.ch, rounds, log)), ...(await verifyApi(set.url(0), token, rounds))];
  } finally {
    await set.stopAll();
  }
  process.stdout.write(
    failures.length === 0
      ? 'OK: every acknowledged event stored exactly once, sessions as the reference\n'
      : `FAIL:\n${failures.join('\n')}\n`,
  );
  process.exit(failures.length === 0 ? 0 : 1);
}

const REPLICAS = num('KILL_REPLICAS', 0);
if (REPLICAS > 0) await replicasLoop(REPLICAS);
else await main();

/**
 * The crash loop of issue 10 (I1 exactly once, I2 sessions under kill -9), for a fleet of
 * replicas or the one embedded process: rounds of concurrent ingest, a kill -9 of a random
 * process at a random moment, every unanswered request retried (to another replica when there
 * is one, else to the restarted process) until it is answered, the killed process restarted.
 *
 * Each client owns its users and sends one request at a time, retrying an unanswered one
 * before sending the next, so every session key sees its events arrive in time order (I2's
 * premise) whatever replica takes them; a user's requests go to random replicas.
 */
import type { ClickHouseClient } from '../../src/store/clickhouse/client.ts';
import { api } from '../helpers/server.ts';
import { buildModel, REFERENCE_ENDPOINTS, type RefEvent } from '../reference/endpoints.ts';

export interface Fleet {
  readonly size: number;
  url(i: number): string;
  alive(i: number): boolean;
  kill9(i: number): Promise<void>;
  restart(i: number): Promise<void>;
}

export interface LoopOptions {
  fleet: Fleet;
  token: string;
  team: string;
  rounds: number;
  clients: number;
  /** Events per request. */
  batch: number;
  /** The kill lands uniformly in [min, max) ms after the round's clients start. */
  killWindowMs: [number, number];
  /** With several replicas: how long the clients go on (retrying elsewhere) after the kill. */
  afterKillMs: number;
  log?: (line: string) => void;
}

export interface RoundResult {
  n: number;
  bot: string;
  /** Acknowledged events in acknowledgement order (a request's events in its order). */
  acked: RefEvent[];
  requests: number;
  /** Attempts that got no 200 (connection cut or refused, 5xx, 429) and were retried. */
  unanswered: number;
  victim: number;
  killAtMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Sessions of a few minutes with gaps of 16–30 min between some of them (the 15-minute rule).
const BASE_MS = Date.parse('2026-11-20T00:00:00Z');
const SECOND = 1000;

/** One POST; 'ok' on a 200 whose counts add up, 'retry' when no usable answer came. */
async function postOnce(url: string, token: string, body: string, n: number): Promise<'ok' | 'retry'> {
  let res: Response;
  try {
    res = await fetch(`${url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body,
      signal: AbortSignal.timeout(60_000),
    });
  } catch {
    return 'retry'; // refused, reset or cut by the kill: no answer
  }
  const text = await res.text().catch(() => '');
  if (res.status === 200) {
    const counts = JSON.parse(text) as { accepted?: number; duplicates?: number };
    if ((counts.accepted ?? 0) + (counts.duplicates ?? 0) !== n) {
      throw new Error(`200 with counts ${text} for ${n} events`);
    }
    return 'ok';
  }
  if (res.status === 429 || res.status >= 500) return 'retry';
  throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
}

export async function crashLoop(opts: LoopOptions): Promise<RoundResult[]> {
  const { fleet } = opts;
  const log = opts.log ?? (() => {});
  const results: RoundResult[] = [];
  // Replicas restart in the background while the others serve (I6); the embedded process
  // is restarted before its clients' retries can be answered.
  const restarting = new Map<number, Promise<void>>();
  const restarts: Promise<unknown>[] = [];
  const clocks = new Map<string, number>();
  const random = (n: number) => Math.floor(Math.random() * n);

  for (let n = 1; n <= opts.rounds; n++) {
    const bot = `bot-r${n}`;
    const round: RoundResult = { n, bot, acked: [], requests: 0, unanswered: 0, victim: -1, killAtMs: 0 };
    let stop = false;
    const makeBatch = (c: number, k: number): RefEvent[] =>
      Array.from({ length: opts.batch }, (_, i) => {
        const user = `c${c}-u${random(4)}`;
        const key = `${bot}/${user}`;
        const step = Math.random() < 0.05 ? (16 + random(15)) * 60 * SECOND : (1 + random(120)) * SECOND;
        const ms = (clocks.get(key) ?? BASE_MS) + step;
        clocks.set(key, ms);
        return {
          id: `r${n}-c${c}-b${k}-e${i}`,
          type: 'message',
          timestamp: new Date(ms).toISOString(),
          team_id: opts.team,
          bot_id: bot,
          version: 'LIVE',
          user_id: user,
          channel_type: 'web',
          language: 'en',
          direction: 'user',
          kind: 'text',
          intent: i % 3 === 0 ? 'greet' : 'order',
        };
      });
    const send = async (events: RefEvent[]) => {
      const body = events.map((e) => JSON.stringify(e)).join('\n');
      let target = random(fleet.size);
      for (let attempt = 0; ; attempt++) {
        if (attempt > 2000) throw new Error(`round ${n}: a request found no replica to answer it`);
        round.requests++;
        if ((await postOnce(fleet.url(target), opts.token, body, events.length)) === 'ok') break;
        round.unanswered++;
        if (fleet.size > 1) {
          // Another replica than the one that did not answer.
          target = (target + 1 + random(fleet.size - 1)) % fleet.size;
          await sleep(20);
        } else {
          await (restarting.get(target) ?? sleep(100));
        }
      }
      round.acked.push(...events);
    };
    const clients = Array.from({ length: opts.clients }, async (_, c) => {
      for (let k = 0; !stop; k++) await send(makeBatch(c, k));
    });

    const [lo, hi] = opts.killWindowMs;
    round.killAtMs = Math.round(lo + Math.random() * (hi - lo));
    await sleep(round.killAtMs);
    const upNow = () => [...Array(fleet.size).keys()].filter((i) => fleet.alive(i) && !restarting.has(i));
    // With replicas, one always stays up to take the retries: wait for a restart if need be.
    while (fleet.size > 1 && upNow().length < 2) await Promise.race(restarting.values());
    const up = upNow();
    const victim = up[random(up.length)] ?? 0;
    round.victim = victim;
    await fleet.kill9(victim);
    const back = fleet.restart(victim).finally(() => restarting.delete(victim));
    // Held apart so a failed restart is reported at the end, not as an unhandled rejection.
    restarts.push(
      back.then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    restarting.set(
      victim,
      back.catch(() => {}),
    );
    if (fleet.size === 1) {
      stop = true;
      await restarting.get(0);
    } else {
      await sleep(opts.afterKillMs);
      stop = true;
    }
    await Promise.all(clients);
    results.push(round);
    log(
      `round ${n}: killed ${round.victim} at ${round.killAtMs} ms; ${round.acked.length} events acked in ${round.requests} attempts, ${round.unanswered} unanswered and retried`,
    );
  }
  for (const failed of await Promise.all(restarts)) if (failed !== undefined) throw failed;
  return results;
}

// Every round's events lie within these days (the clocks above start on 2026-11-20).
const RANGE = { version: 'LIVE', start_time: '2026-11-19', end_time: '2026-12-20' };

interface Stored {
  rows: number;
  ids: Map<string, number>;
  /** Conversation id → its distinct event ids (I2 is judged apart from I1's doubles). */
  conversations: Map<string, Set<string>>;
}

async function stored(ch: ClickHouseClient, bot: string): Promise<Stored> {
  const rows = await (
    await ch.query({
      query: 'SELECT id, conversation_id FROM events WHERE bot_id = {b:String}',
      query_params: { b: bot },
      format: 'JSONCompactEachRow',
    })
  ).json<[string, string]>();
  const ids = new Map<string, number>();
  const conversations = new Map<string, Set<string>>();
  for (const [id, conv] of rows) {
    ids.set(id, (ids.get(id) ?? 0) + 1);
    conversations.set(conv, (conversations.get(conv) ?? new Set<string>()).add(id));
  }
  return { rows: rows.length, ids, conversations };
}

/** Waits until every round's acknowledged events are readable (batches a dead replica left are moved late). */
export async function settle(ch: ClickHouseClient, rounds: RoundResult[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let short = 0;
    for (const r of rounds) {
      const [row] = await (
        await ch.query({
          query: 'SELECT uniqExact(id) AS n FROM events WHERE bot_id = {b:String}',
          query_params: { b: r.bot },
          format: 'JSONEachRow',
        })
      ).json<{ n: number }>();
      if (Number(row?.n ?? 0) < r.acked.length) short++;
    }
    if (short === 0 || Date.now() > deadline) return;
    await sleep(1000);
  }
}

const partition = (groups: Iterable<Iterable<string>>): string[] =>
  [...groups].map((g) => [...g].sort().join(',')).sort();

/** I1 and I2 for each round's bot; returns the failures, one line each. */
export async function verify(
  ch: ClickHouseClient,
  rounds: RoundResult[],
  log: (line: string) => void,
): Promise<string[]> {
  const failures: string[] = [];
  for (const r of rounds) {
    const s = await stored(ch, r.bot);
    const acked = new Set(r.acked.map((e) => e.id as string));
    let missing = 0;
    let doubled = 0;
    for (const id of acked) {
      const n = s.ids.get(id) ?? 0;
      if (n === 0) missing++;
      if (n > 1) doubled++;
    }
    const neverAcked = [...s.ids.keys()].filter((id) => !acked.has(id)).length;
    const line = `round ${r.n} (${r.bot}): acked ${acked.size}, rows ${s.rows}, distinct ids ${s.ids.size}, missing ${missing}, doubled ${doubled}, stored but never acked ${neverAcked}`;
    log(line);
    if (missing + doubled + neverAcked > 0 || s.rows !== acked.size) failures.push(line);
    const twice = [...s.ids].find(([, n]) => n > 1)?.[0];
    if (twice !== undefined) {
      // Identical rows (same seq) are one committed batch inserted twice; different seqs, an id accepted twice.
      const copies = await (
        await ch.query({
          query: `SELECT seq, conversation_id, ingested_at FROM events WHERE bot_id = {b:String} AND id = {id:String}`,
          query_params: { b: r.bot, id: twice },
          format: 'JSONCompactEachRow',
        })
      ).json<unknown[]>();
      log(`  e.g. ${twice}: ${JSON.stringify(copies)}`);
    }
    // I2: the conversations the reference makes of the acknowledged events, as sets of event ids.
    const model = buildModel(r.acked);
    const want = partition(model.conversations.map((c) => c.events.map((e) => e.raw.id as string)));
    const got = partition(s.conversations.values());
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(
        `round ${r.n} (${r.bot}): ${s.conversations.size} stored conversations, the reference makes ${model.conversations.length} (partitions of the event ids differ)`,
      );
    }
  }
  return failures;
}

/** The API's conversation counts per round's bot equal the reference's. */
export async function verifyApi(url: string, token: string, rounds: RoundResult[]): Promise<string[]> {
  const failures: string[] = [];
  for (const r of rounds) {
    const res = await api(`${url}/v1/bots/${r.bot}/conversations?${new URLSearchParams(RANGE)}`, token);
    const want = REFERENCE_ENDPOINTS.Analytics_GetConversations(buildModel(r.acked), { bot_id: r.bot }, RANGE);
    if (res.status !== 200 || JSON.stringify(res.body) !== JSON.stringify(want)) {
      failures.push(
        `round ${r.n}: /conversations answered ${res.status} ${JSON.stringify(res.body)}, reference ${JSON.stringify(want)}`,
      );
    }
  }
  return failures;
}

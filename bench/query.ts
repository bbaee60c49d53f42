/**
 * Query benchmark (issues 3, 4, 6): loads N demo events once into .bench-data/query-<N>/, then
 * per endpoint variant measures p50/p95 end to end over HTTP for a realistic mix (bot
 * analytics and flows: 30-day range, 1d buckets, with/without filters and group_by; team
 * usage: 90 days over the whole 20-bot team; tracking-event streams and attribute values of
 * issue 13: first pages of 100 over 30 days; funnels: POST bodies of 3 and 5 steps over 30 days,
 * with and without a breakdown), beside the raw engine time of the very same SQL
 * (recorded from the server's ClickHouse client and replayed without HTTP) and a PostgreSQL 15
 * baseline. Results are written as markdown to stdout (paste into docs/benchmarks.md, section
 * "Query").
 *
 *   npm run bench:query -- --events 1000000 [--iterations 20] [--pg-iterations 20] [--no-pg] [--only GetFlows]
 *
 * --pg-iterations bounds the baseline's runs per variant (the first N measured requests): at
 * 30 M events one PostgreSQL team-usage query takes tens of seconds.
 *
 * The entries (endpoint, variant, request, baseline SQL) are ENTRIES of bench/query-cases.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { buildServer } from '../src/api/server.ts';
import { createToken } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { generateDemo } from '../src/demo/generate.ts';
import { openServices } from '../src/services.ts';
import { chdbReader } from '../src/store/clickhouse/chdb-reader.ts';
import type { ClickHouseClient } from '../src/store/clickhouse/client.ts';
import type { ReadRequest } from '../src/store/clickhouse/reader.ts';
import { type BenchCtx, discoverFlow, ENTRIES, TEAM_DAYS } from './query-cases.ts';
import { loadPostgres, PG_URL, pgRowCount } from './query-pg.ts';
import { familyVerdict, growthTable, type ResultRow, type RunResult, saveRun, targetP95 } from './query-report.ts';
import { recordingReader } from './recording-reader.ts';

interface Args {
  events: number;
  days: number;
  bots: number;
  iterations: number;
  pgIterations: number;
  pg: boolean;
  /** Only entries whose family, operationId or variant label contains this text. */
  only: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    events: 10_000_000,
    days: 90,
    bots: 20,
    iterations: 20,
    pgIterations: Number.POSITIVE_INFINITY,
    pg: true,
    only: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = Number(argv[i + 1]);
    if (k === '--events') a.events = v;
    else if (k === '--days') a.days = v;
    else if (k === '--bots') a.bots = v;
    else if (k === '--iterations') a.iterations = v;
    else if (k === '--pg-iterations') a.pgIterations = v;
    else if (k === '--only') a.only = argv[i + 1];
    else if (k === '--no-pg') {
      a.pg = false;
      continue;
    } else continue;
    i++;
  }
  return a;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
const iso = (t: number) => new Date(t).toISOString();
/** SQL text with whitespace runs folded, to compare a case's SQL with the recorded one. */
const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Funnels: the bot's tracking-event names in range, most frequent first, and an attribute key of the first. */
async function trackingNames(
  ch: ClickHouseClient,
  bot: string,
  startMs: number,
  endMs: number,
): Promise<BenchCtx['tracking']> {
  const rows = await (
    await ch.query({
      query: `SELECT toString(event_name) AS name, any(JSONExtractKeys(attributes)[1]) AS key
              FROM events
              WHERE bot_id = {bot:String} AND version = 'LIVE' AND type = 'tracking'
                AND ts >= fromUnixTimestamp64Milli({s:Int64}) AND ts < fromUnixTimestamp64Milli({e:Int64})
              GROUP BY name ORDER BY count() DESC, name LIMIT 5`,
      query_params: { bot, s: startMs, e: endMs },
      format: 'JSONEachRow',
    })
  ).json<{ name: string; key: string }>();
  return { names: rows.length > 0 ? rows.map((r) => r.name) : ['none'], key: rows[0]?.key || 'plan' };
}

/** The bot's LIVE conversation started in range with the most steps, and its first user message. */
async function benchConversation(
  ch: ClickHouseClient,
  team: string,
  bot: string,
  startMs: number,
  endMs: number,
): Promise<BenchCtx['conversation']> {
  const params = { team, bot, start_ms: startMs, end_ms: endMs };
  const [conv] = await (
    await ch.query({
      query: `SELECT conversation_id AS id FROM conversation_summary FINAL
              WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = 'LIVE'
                AND start_ts >= fromUnixTimestamp64Milli({start_ms:Int64}) AND start_ts < fromUnixTimestamp64Milli({end_ms:Int64})
              ORDER BY length(steps) DESC, conversation_id LIMIT 1`,
      query_params: params,
      format: 'JSONEachRow',
    })
  ).json<{ id: string }>();
  const id = conv?.id ?? 'none';
  const [msg] = await (
    await ch.query({
      query: `SELECT id FROM events
              WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = 'LIVE' AND type = 'message'
                AND direction = 'user' AND conversation_id = {id:String}
              ORDER BY ts, seq LIMIT 1`,
      query_params: { ...params, id },
      format: 'JSONEachRow',
    })
  ).json<{ id: string }>();
  return { id, messageId: msg?.id ?? 'none' };
}

/** Bytes on disk per table and per million events: what the rollups cost beside the raw events. */
async function storagePerTable(ch: ClickHouseClient, events: number): Promise<string[]> {
  const rows = await (
    await ch.query({
      query: `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
              WHERE active AND database = currentDatabase() GROUP BY table ORDER BY bytes DESC`,
      format: 'JSONEachRow',
    })
  ).json<{ table: string; rows: number; bytes: number }>();
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  return [
    '| table | rows | MiB on disk | MiB per million events |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.table} | ${Number(r.rows).toLocaleString('en-US')} | ${mib(Number(r.bytes))} | ${mib(Number(r.bytes) / (events / 1e6))} |`,
    ),
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = path.resolve('.bench-data', `query-${args.events}`);
  const marker = path.join(dataDir, 'loaded.json');
  const config = loadConfig({ LOG_LEVEL: 'silent' }, { dataDir, port: 0, host: '127.0.0.1' });
  const services = await openServices(config);

  let loaded: { nowMs: number; events: number } | undefined;
  if (fs.existsSync(marker)) loaded = JSON.parse(fs.readFileSync(marker, 'utf8'));
  if (!loaded) {
    const nowMs = Date.now();
    const t0 = performance.now();
    let n = 0;
    const inflight = new Set<Promise<unknown>>();
    for (const batch of generateDemo({ events: args.events, days: args.days, bots: args.bots, now: new Date(nowMs) })) {
      const team = batch[0]?.team_id ?? '';
      const p: Promise<unknown> = services.ingest.ingest({ teamId: team }, batch).then((): void => {
        inflight.delete(p);
      });
      inflight.add(p);
      n += batch.length;
      if (inflight.size >= 4) await Promise.race(inflight);
      if (n % 500_000 < batch.length) log(`  ingested ${n} events (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await Promise.all(inflight);
    await services.writer.drain();
    loaded = { nowMs, events: n };
    fs.writeFileSync(marker, JSON.stringify(loaded));
    log(`loaded ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  let pgClient: pg.Client | undefined;
  if (args.pg) {
    pgClient = new pg.Client({ connectionString: PG_URL });
    await pgClient.connect();
    const n = await pgRowCount(pgClient);
    const [chCount] = await (
      await services.ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
    ).json<{ n: number }>();
    if (n !== Number(chCount?.n)) {
      log('loading the PostgreSQL baseline…');
      await loadPostgres(pgClient, services.ch, log);
    }
  }

  // Bots and the most common channel/language (for the filtered variants).
  const botRows = await (
    await services.ch.query({
      query: `SELECT team_id, bot_id, topK(1)(toString(channel_type))[1] AS ch, topK(1)(toString(language))[1] AS lang
              FROM events WHERE version = 'LIVE' GROUP BY team_id, bot_id ORDER BY bot_id`,
      format: 'JSONEachRow',
    })
  ).json<{ team_id: string; bot_id: string; ch: string; lang: string }>();
  const tokens = new Map<string, string>();
  for (const b of botRows) {
    if (!tokens.has(b.team_id)) tokens.set(b.team_id, (await createToken(services.db, b.team_id, ['read'])).token);
  }

  // The replay: each recorded read again, without HTTP. Embedded, through a native reader of
  // its own whose stats give the engine's own `elapsed` beside the wall time.
  const statsSink = { engineMs: Number.NaN };
  const replay = config.clickhouseUrl
    ? services.reader
    : chdbReader({
        path: path.resolve(dataDir, 'clickhouse'),
        queryTimeoutSeconds: config.queryTimeoutSeconds,
        onStats: (st) => {
          statsSink.engineMs += st.engineMs;
        },
      });
  const sink = { on: false, list: [] as ReadRequest[] };
  const raw = services.reader;
  services.reader = recordingReader(raw, sink);
  const app = await buildServer(services, { logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  // Bot analytics and flows: 30-day range ending at the last full UTC day of the data.
  const endMs = Math.floor(loaded.nowMs / 86_400_000) * 86_400_000;
  const startMs = endMs - 30 * 86_400_000;
  const get = async (team: string, url: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${url}`, {
      headers: {
        authorization: `Bearer ${tokens.get(team)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
    });

  // Per bot: its request context, with its most frequent flow path found through the API.
  const contexts: BenchCtx[] = [];
  for (const b of botRows) {
    const flow = await discoverFlow(async (p) => {
      const q = new URLSearchParams({ version: 'LIVE', start_time: iso(startMs), end_time: iso(endMs) });
      for (const s of p) q.append('path', s);
      const res = await get(b.team_id, `/v1/bots/${encodeURIComponent(b.bot_id)}/flows?${q}`);
      if (res.status !== 200) throw new Error(`flow discovery ${b.bot_id}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { nodes: { id: string; occurrences: number }[] };
    });
    const ctx = { team: b.team_id, bot: b.bot_id, channel: b.ch, language: b.lang, startMs, endMs };
    const conversation = await benchConversation(services.ch, b.team_id, b.bot_id, startMs, endMs);
    contexts.push({
      ...ctx,
      nowMs: loaded.nowMs,
      flow,
      conversation,
      tracking: await trackingNames(services.ch, b.bot_id, startMs, endMs),
    });
  }
  log(`flow paths: ${contexts.map((c) => `${c.bot}: ${c.flow.path.join(' > ')} (step ${c.flow.step})`).join('; ')}`);

  const lines: string[] = [];
  lines.push(
    '| family | endpoint | variant | HTTP p50 | HTTP p95 | engine p50 | engine p95 | engine elapsed p50 | HTTP/engine p50 | PostgreSQL p50 | PG/engine p50 | target HTTP p95 | met |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const results: ResultRow[] = [];
  const only = args.only;
  const entries = ENTRIES.filter(
    (e) => only === undefined || [e.family, e.operationId, e.label].some((s) => s.includes(only)),
  );
  for (const entry of entries) {
    const http: number[] = [];
    const engine: number[] = [];
    const elapsed: number[] = [];
    const pgTimes: number[] = [];
    for (let i = -2; i < args.iterations; i++) {
      // Round-robin over bots: each request hits another bot (team usage: the bot's team),
      // like a dashboard fleet.
      const c = contexts[(i + 2) % contexts.length];
      if (!c) throw new Error('no bots in the data');
      const req = entry.request(c);
      sink.list = [];
      sink.on = true;
      const t0 = performance.now();
      const res = await get(c.team, `${req.path}?${req.query}`, req.body);
      const body = await res.text();
      const t1 = performance.now();
      sink.on = false;
      if (res.status !== 200) throw new Error(`${entry.operationId} ${entry.label}: HTTP ${res.status} ${body}`);
      const recorded = sink.list;
      // The case's own SQL must be what the server ran, else its engine column would lie.
      if (i === -2 && entry.sql && !recorded.some((r) => squash(r.sql) === squash(entry.sql?.(c) ?? ''))) {
        log(`WARNING ${entry.operationId} ${entry.label}: the case's SQL is not among the queries the server ran`);
      }
      statsSink.engineMs = config.clickhouseUrl ? Number.NaN : 0;
      const t2 = performance.now();
      for (const r of recorded) await replay.rows(r);
      const t3 = performance.now();
      const elapsedMs = statsSink.engineMs;
      let pgMs = Number.NaN;
      if (pgClient && entry.pg && i < args.pgIterations) {
        const q = entry.pg(c);
        const t4 = performance.now();
        await pgClient.query(q.text, q.values);
        pgMs = performance.now() - t4;
      }
      if (i < 0) continue; // warm-up
      http.push(t1 - t0);
      engine.push(t3 - t2);
      elapsed.push(elapsedMs);
      if (Number.isFinite(pgMs)) pgTimes.push(pgMs);
    }
    const h50 = pct(http, 50);
    const h95 = pct(http, 95);
    const e50 = pct(engine, 50);
    const p50 = pgTimes.length > 0 ? pct(pgTimes, 50) : Number.NaN;
    const target = targetP95({ family: entry.family, variant: entry.label }, loaded.events);
    const cells = [
      entry.family,
      entry.operationId.replace('Analytics_', ''),
      entry.label,
      ms(h50),
      ms(h95),
      ms(e50),
      ms(pct(engine, 95)),
      ms(pct(elapsed, 50)),
      ratio(h50, e50),
      ms(p50),
      ratio(p50, e50),
      target === undefined ? '–' : `≤ ${target}`,
      target === undefined ? '–' : h95 <= target ? 'yes' : 'no',
    ];
    results.push({
      family: entry.family,
      endpoint: entry.operationId.replace('Analytics_', ''),
      variant: entry.label,
      httpP50: h50,
      httpP95: h95,
      engineP50: e50,
      engineP95: pct(engine, 95),
      elapsedP50: pct(elapsed, 50),
      pgP50: p50,
    });
    const row = `| ${cells.join(' | ')} |`;
    lines.push(row);
    log(row);
  }

  const run: RunResult = {
    events: loaded.events,
    bots: args.bots,
    days: args.days,
    date: new Date().toISOString().slice(0, 10),
    rows: results,
  };
  if (only === undefined) saveRun(run);
  const storage = await storagePerTable(services.ch, loaded.events);
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  process.stdout.write(
    [
      `### ${loaded.events.toLocaleString('en-US')} events, ${args.bots} bots, ${args.days} days (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${machine}. Engine: ${config.clickhouseUrl ? 'ClickHouse server (@clickhouse/client)' : 'chDB in-process (native sessions, src/store/clickhouse/chdb-reader.ts)'}; "engine" = the recorded reads replayed without HTTP (wall), "engine elapsed" = the engine's own time for them. Baseline: PostgreSQL 15 on 127.0.0.1.`,
      `Range: bot analytics, flows and funnels ${iso(startMs)} → ${iso(endMs)} (30 days), UTC, LIVE; team usage ${TEAM_DAYS} days up to the next UTC midnight, whole team. ${args.iterations} requests per variant after 2 warm-ups, round-robin over bots${Number.isFinite(args.pgIterations) ? ` (PostgreSQL: the first ${args.pgIterations} of them)` : ''}. Times in ms; ratios at p50; "met" = HTTP p95 within the family's target.`,
      '',
      ...lines,
      '',
      'Per family (issue 12 targets; "met" = every p95 target and the PG/HTTP ratio):',
      '',
      ...familyVerdict(run),
      '',
      'Storage (active parts on disk):',
      '',
      ...storage,
      '',
      'Growth with data size (HTTP p50 / p95 in ms, every size measured so far):',
      '',
      ...growthTable(),
      '',
    ].join('\n'),
  );

  await app.close();
  if (replay !== raw) await replay.close();
  await pgClient?.end();
  services.reader = raw;
  await services.close();
}

await main();

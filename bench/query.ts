/**
 * Query benchmark (issue 3): loads N demo events once into .bench-data/query-<N>/, then per
 * endpoint measures p50/p95 end to end over HTTP for a realistic mix (30-day range, 1d
 * buckets, with/without filters and group_by), beside the raw engine time of the very same
 * SQL (recorded from the server's ClickHouse client and replayed without HTTP) and a
 * PostgreSQL 15 baseline. Results are appended as markdown to stdout (paste into
 * docs/benchmarks.md, section "Query").
 *
 *   npm run bench:query -- --events 1000000 [--iterations 20] [--no-pg] [--only GetUsers]
 *
 * New endpoints (flows, team usage) are new entries of ENDPOINTS.
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
import type { ClickHouseClient } from '../src/store/clickhouse/client.ts';
import { loadPostgres, PG_URL, type PgParams, pgQuery, pgRowCount } from './query-pg.ts';

interface Args {
  events: number;
  days: number;
  bots: number;
  iterations: number;
  pg: boolean;
  /** Only endpoints whose operationId contains this text. */
  only: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { events: 10_000_000, days: 90, bots: 20, iterations: 20, pg: true, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = Number(argv[i + 1]);
    if (k === '--events') a.events = v;
    else if (k === '--days') a.days = v;
    else if (k === '--bots') a.bots = v;
    else if (k === '--iterations') a.iterations = v;
    else if (k === '--only') a.only = argv[i + 1];
    else if (k === '--no-pg') {
      a.pg = false;
      continue;
    } else continue;
    i++;
  }
  return a;
}

/** One request variant of an endpoint; `pg` names the baseline query (undefined = none). */
interface Variant {
  label: string;
  path: (bot: string) => string;
  query: Record<string, string>;
  pg?: { kind: string; groupBy?: string };
}

interface Endpoint {
  operationId: string;
  variants: (filters: { channel: string; language: string }) => Variant[];
}

const bot = (p: string) => (b: string) => `/v1/bots/${b}${p}`;
// Plain, filtered (event/first-event channel + language), and grouped where the endpoint has group_by.
const withFilters =
  (p: string, kind: string, extra: Record<string, string> = {}): Endpoint['variants'] =>
  (f) => [
    { label: 'plain', path: bot(p), query: { bucket: '1d', ...extra }, pg: { kind } },
    {
      label: 'filtered',
      path: bot(p),
      query: { bucket: '1d', channel_type: f.channel, language: f.language, ...extra },
      pg: { kind },
    },
  ];

export const ENDPOINTS: Endpoint[] = [
  {
    operationId: 'Analytics_GetConversations',
    variants: (f) => [
      ...withFilters('/conversations', 'conversations')(f),
      {
        label: 'group_by=channel_type',
        path: bot('/conversations'),
        query: { bucket: '1d', group_by: 'channel_type' },
        pg: { kind: 'conversations', groupBy: 'channel_type' },
      },
    ],
  },
  {
    operationId: 'Analytics_GetConversationsInsights',
    variants: (f) =>
      withFilters('/conversations/insights', 'insights', { stat: 'num_messages' })(f).map((v) => ({
        ...v,
        query: Object.fromEntries(Object.entries(v.query).filter(([k]) => k !== 'bucket')),
      })),
  },
  { operationId: 'Analytics_GetMessages', variants: withFilters('/messages', 'messages') },
  { operationId: 'Analytics_GetUsers', variants: withFilters('/users', 'users') },
  {
    operationId: 'Analytics_GetUserActivity',
    variants: (f) =>
      withFilters(
        '/users/activity',
        'activity',
      )(f).map((v) => ({
        ...v,
        query: Object.fromEntries(Object.entries(v.query).filter(([k]) => k !== 'bucket')),
      })),
  },
  { operationId: 'Analytics_GetIntents', variants: withFilters('/intents', 'intents') },
  { operationId: 'Analytics_GetIntentInsights', variants: withFilters('/intents/insights', 'intent-insights') },
];

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Recorded {
  query: string;
  query_params?: Record<string, unknown>;
  format?: string;
}

/** Wraps the client so every query a request runs is recorded for the raw replay. */
function recordingClient(inner: ClickHouseClient, sink: { on: boolean; list: Recorded[] }): ClickHouseClient {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (args: Recorded & Record<string, unknown>) => {
          if (sink.on) sink.list.push({ query: args.query, query_params: args.query_params, format: args.format });
          return target.query(args as never);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
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

  const sink = { on: false, list: [] as Recorded[] };
  const raw = services.ch;
  services.ch = recordingClient(raw, sink);
  const app = await buildServer(services, { logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  // 30-day range ending at the last full UTC day of the data.
  const end = new Date(Math.floor(loaded.nowMs / 86_400_000) * 86_400_000);
  const start = new Date(end.getTime() - 30 * 86_400_000);
  const common = { version: 'LIVE', start_time: start.toISOString(), end_time: end.toISOString() };

  const lines: string[] = [];
  lines.push(
    '| endpoint | variant | HTTP p50 | HTTP p95 | engine p50 | engine p95 | HTTP/engine p50 | PostgreSQL p50 | PG/HTTP p50 |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const ep of ENDPOINTS.filter((e) => args.only === undefined || e.operationId.includes(args.only))) {
    for (const b0 of botRows.slice(0, 1)) {
      for (const v of ep.variants({ channel: b0.ch, language: b0.lang })) {
        const http: number[] = [];
        const engine: number[] = [];
        const pgTimes: number[] = [];
        for (let i = -2; i < args.iterations; i++) {
          // Round-robin over bots: each request hits another bot, like a dashboard fleet.
          const b = botRows[(i + 2) % botRows.length] ?? b0;
          const qs = new URLSearchParams({ ...common, ...v.query });
          sink.list = [];
          sink.on = true;
          const t0 = performance.now();
          const res = await fetch(`${base}${v.path(b.bot_id)}?${qs}`, {
            headers: { authorization: `Bearer ${tokens.get(b.team_id)}` },
          });
          await res.text();
          const t1 = performance.now();
          sink.on = false;
          if (res.status !== 200) throw new Error(`${ep.operationId} ${v.label}: HTTP ${res.status}`);
          const recorded = sink.list;
          const t2 = performance.now();
          for (const r of recorded) await (await raw.query(r as never)).json();
          const t3 = performance.now();
          let pgMs = Number.NaN;
          if (pgClient && v.pg) {
            const p: PgParams = { bot: b.bot_id, version: 'LIVE', start: common.start_time, end: common.end_time };
            if (v.query.channel_type) p.channel = v.query.channel_type;
            if (v.query.language) p.language = v.query.language;
            const q = pgQuery(v.pg.kind, p, v.pg.groupBy);
            const t4 = performance.now();
            await pgClient.query(q.text, q.values);
            pgMs = performance.now() - t4;
          }
          if (i < 0) continue; // warm-up
          http.push(t1 - t0);
          engine.push(t3 - t2);
          if (Number.isFinite(pgMs)) pgTimes.push(pgMs);
        }
        const h50 = pct(http, 50);
        const e50 = pct(engine, 50);
        const p50 = pgTimes.length > 0 ? pct(pgTimes, 50) : Number.NaN;
        const row = `| ${ep.operationId.replace('Analytics_', '')} | ${v.label} | ${ms(h50)} | ${ms(pct(http, 95))} | ${ms(e50)} | ${ms(pct(engine, 95))} | ${(h50 / e50).toFixed(2)} | ${ms(p50)} | ${Number.isFinite(p50) ? `${(p50 / h50).toFixed(1)}×` : '–'} |`;
        lines.push(row);
        log(row);
      }
    }
  }

  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  process.stdout.write(
    [
      `### ${loaded.events.toLocaleString('en-US')} events, ${args.bots} bots, ${args.days} days (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${machine}. Engine: chDB in-process (@clickhouse/client over chdb). Baseline: PostgreSQL 15 on 127.0.0.1.`,
      `Range: ${common.start_time} → ${common.end_time} (30 days), UTC, LIVE; ${args.iterations} requests per variant after 2 warm-ups, round-robin over bots. Times in ms.`,
      '',
      ...lines,
      '',
    ].join('\n'),
  );

  await app.close();
  await pgClient?.end();
  services.ch = raw;
  await services.close();
}

await main();

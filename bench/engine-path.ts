/**
 * Engine path (issue 12): where each millisecond of a small analytics read goes on the
 * embedded engine. On a store with data (bench/query.ts loads one into
 * .bench-data/query-<N>/), for `SELECT 1` and a few real per-bot reads (the SQL and params
 * the server runs, recorded from HTTP requests), medians over --runs of:
 *
 *   client wall   @clickhouse/client over chdb/connection (the previous embedded reader)
 *   native wall   chDB's Session.queryBindAsync on a session of its own (client's settings)
 *   engine        the engine's own `elapsed` for that read
 *   EXPLAIN AST / QUERY TREE / PLAN / PIPELINE   parse, + analysis, + planning, + pipeline
 *   parse         JSONEachRow text to objects (chdb-reader's one JSON.parse)
 *   settings      native wall and engine time per candidate session setting
 *   pool          8 concurrent readers over chdbReader with 1, 2, 4 sessions
 *
 *   npm run bench:engine -- --data .bench-data/query-1000000 [--runs 50]
 *
 * Markdown goes to stdout (docs/benchmarks.md, "Engine path (issue 12)"). The data dir is
 * opened read-write (migrations, chDB's lock): give it a copy if another process has it.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ChdbResult, Session } from 'chdb';
import { buildServer } from '../src/api/server.ts';
import { createToken } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openServices } from '../src/services.ts';
import { chdbReader, parseJsonEachRow, readSettings } from '../src/store/clickhouse/chdb-reader.ts';
import type { AnalyticsReader, ReadRequest } from '../src/store/clickhouse/reader.ts';
import { recordingReader } from './recording-reader.ts';

interface Args {
  data: string;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { data: '.bench-data/query-1000000', runs: 50 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') a.data = argv[++i] ?? a.data;
    else if (argv[i] === '--runs') a.runs = Number(argv[++i]);
  }
  return a;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** Candidate session settings for tiny reads, each tried on top of the client's. */
const CANDIDATES: Record<string, Record<string, string | number>> = {
  "client's": {},
  'max_threads 1': { max_threads: 1 },
  'analyzer off': { enable_analyzer: 0 },
  'condition cache off': { use_query_condition_cache: 0 },
  'compile_expressions 0': { compile_expressions: 0 },
  'uncompressed cache': { use_uncompressed_cache: 1 },
  'move_to_prewhere 0': { optimize_move_to_prewhere: 0 },
  'plan optimizations off': { query_plan_enable_optimizations: 0 },
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = path.resolve(args.data);
  const config = loadConfig({ LOG_LEVEL: 'silent' }, { dataDir, port: 0, host: '127.0.0.1' });
  const services = await openServices(config);
  const chPath = path.resolve(dataDir, 'clickhouse');

  // The real per-bot reads: the SQL and params the server runs for a few requests.
  const recorded: ReadRequest[] = [];
  const inner = services.reader;
  services.reader = recordingReader(inner, { on: true, list: recorded });
  const app = await buildServer(services, { logLevel: 'silent' });
  const [bot] = await (
    await services.ch.query({
      query: `SELECT team_id, bot_id, max(ts) AS last FROM events WHERE version = 'LIVE'
              GROUP BY team_id, bot_id ORDER BY count() DESC LIMIT 1`,
      format: 'JSONEachRow',
    })
  ).json<{ team_id: string; bot_id: string; last: string }>();
  if (!bot) throw new Error(`no events in ${dataDir}`);
  const token = (await createToken(services.db, bot.team_id, ['read'])).token;
  const endMs = Math.floor(Date.parse(bot.last) / 86_400_000) * 86_400_000;
  const range = `version=LIVE&start_time=${new Date(endMs - 30 * 86_400_000).toISOString()}&end_time=${new Date(endMs).toISOString()}`;
  const cases: { name: string; req: ReadRequest; url?: string }[] = [
    { name: 'SELECT 1', req: { sql: 'SELECT 1 AS x', params: {}, signal: undefined } },
  ];
  /** Runs one request of the bot and keeps its main read (the last one it ran) as a case. */
  const recordCase = async (name: string, suffix: string): Promise<void> => {
    recorded.length = 0;
    const url = `/v1/bots/${encodeURIComponent(bot.bot_id)}${suffix}${suffix.includes('?') ? '&' : '?'}${range}`;
    const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`${suffix}: HTTP ${res.statusCode} ${res.body}`);
    const req = recorded.at(-1);
    if (!req) throw new Error(`${suffix}: no read recorded`);
    cases.push({ name: `${name} (${recorded.length} read${recorded.length > 1 ? 's' : ''}, last)`, req, url });
  };
  for (const [name, suffix] of [
    ['messages, daily', '/messages?bucket=1d'],
    ['users, daily', '/users?bucket=1d'],
    ['intents, daily', '/intents?bucket=1d'],
    ['conversations, daily', '/conversations?bucket=1d'],
  ] as const) {
    await recordCase(name, suffix);
  }
  // Selective reads, where PREWHERE is the point: a page of one tracking event, one conversation.
  const [conv] = await (
    await services.ch.query({
      query: `SELECT conversation_id AS id, anyIf(event_name, type = 'tracking' AND event_name != '') AS ev
              FROM events WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = 'LIVE'
                AND conversation_id != '' AND ts >= fromUnixTimestamp64Milli({s:Int64})
              GROUP BY id ORDER BY count() DESC, id LIMIT 1`,
      query_params: { team: bot.team_id, bot: bot.bot_id, s: endMs - 30 * 86_400_000 },
      format: 'JSONEachRow',
    })
  ).json<{ id: string; ev: string }>();
  const [ev] = await (
    await services.ch.query({
      query: `SELECT toString(event_name) AS ev FROM events WHERE team_id = {team:String} AND bot_id = {bot:String}
                AND type = 'tracking' GROUP BY ev ORDER BY count() DESC LIMIT 1`,
      query_params: { team: bot.team_id, bot: bot.bot_id },
      format: 'JSONEachRow',
    })
  ).json<{ ev: string }>();
  for (const [name, suffix] of [
    ['event stream page', `/events/stream?event=${encodeURIComponent(ev?.ev ?? 'none')}&page_size=100`],
    ['one conversation', `/conversations/${encodeURIComponent(conv?.id ?? 'none')}/flow`],
  ] as const) {
    await recordCase(name, suffix);
  }
  // Every read of a wider set of requests, for the settings comparison.
  const wide: { name: string; req: ReadRequest }[] = [];
  const botUrl = (suffix: string) =>
    `/v1/bots/${encodeURIComponent(bot.bot_id)}${suffix}${suffix.includes('?') ? '&' : '?'}${range}`;
  const teamRange = `start_time=${new Date(endMs - 90 * 86_400_000).toISOString()}&end_time=${new Date(endMs).toISOString()}`;
  for (const [name, url] of [
    ['messages', botUrl('/messages?bucket=1d')],
    ['messages filtered', botUrl('/messages?bucket=1d&channel_type=web&language=en')],
    ['users', botUrl('/users?bucket=1d')],
    ['user activity', botUrl('/users/activity')],
    ['intents', botUrl('/intents?bucket=1d')],
    ['intent insights', botUrl('/intents/insights?bucket=1d')],
    ['conversations', botUrl('/conversations?bucket=1d')],
    ['conversation insights', botUrl('/conversations/insights?stat=num_messages')],
    ['knowledge base', botUrl('/knowledge_base?bucket=1d')],
    ['flows', botUrl('/flows')],
    ['event stream', botUrl(`/events/stream?event=${encodeURIComponent(ev?.ev ?? 'none')}&page_size=100`)],
    ['conversation flow', botUrl(`/conversations/${encodeURIComponent(conv?.id ?? 'none')}/flow`)],
    [
      'team conversations',
      `/v1/teams/${encodeURIComponent(bot.team_id)}/conversations?${teamRange}&bucket=1d&group_by=bot_id,channel_type`,
    ],
  ] as const) {
    recorded.length = 0;
    const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body}`);
    for (const [k, req] of recorded.entries()) {
      wide.push({ name: recorded.length > 1 ? `${name} #${k + 1}` : name, req });
    }
  }
  services.reader = inner;
  log(`bot ${bot.bot_id}, 30 days to ${new Date(endMs).toISOString()}; ${cases.length} cases × ${args.runs} runs`);

  const sessionWith = (extra: Record<string, string | number>): Session => {
    const s = new Session(chPath);
    const all = { ...readSettings(config.queryTimeoutSeconds), ...extra };
    s.query(
      Object.entries(all)
        .map(([k, v]) => `SET ${k} = ${typeof v === 'number' ? v : `'${v}'`}`)
        .join('; '),
      'CSV',
    );
    return s;
  };
  const base = sessionWith({});

  /**
   * Bench only: a pool whose reads bind values as session `SET param_name = '…'` and run
   * unbound (Session.queryAsync), so they are not serialized by chDB's process-wide chain
   * of parameterized queries. Strings and numbers only (what the per-bot reads here bind).
   */
  const setParamReader = (n: number): AnalyticsReader => {
    const idle = Array.from({ length: n }, () => sessionWith({}));
    const waiters: ((s: Session) => void)[] = [];
    const literal = (v: unknown): string => {
      if (typeof v === 'number' && Number.isFinite(v)) return `'${v}'`;
      if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\\\\\').replace(/'/g, "\\'")}'`;
      throw new Error(`bench SET param: unsupported value ${JSON.stringify(v)}`);
    };
    return {
      async rows(req) {
        const s = idle.pop() ?? (await new Promise<Session>((resolve) => waiters.push(resolve)));
        try {
          const sets = Object.entries(req.params).map(([k, v]) => `SET param_${k} = ${literal(v)}; `);
          return parseJsonEachRow((await s.queryAsync(`${sets.join('')}${req.sql}`, { format: 'JSONEachRow' })).text());
        } finally {
          const w = waiters.shift();
          if (w) w(s);
          else idle.push(s);
        }
      },
      async close() {
        for (const s of idle.splice(0)) s.close();
      },
    };
  };
  const bind = (s: Session, sql: string, params: Record<string, unknown>): Promise<ChdbResult> =>
    s.queryBindAsync(sql, params, { format: 'JSONEachRow' });

  // 1. Where the time goes: client vs native, engine time, EXPLAIN stages, JSON parse.
  const breakdown: string[] = [
    '| read | rows out | client wall | native wall | engine `elapsed` | request (inject) | request / engine | EXPLAIN AST | EXPLAIN QUERY TREE | EXPLAIN PLAN | EXPLAIN PIPELINE | JSON parse | client − native |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cases) {
    const t = {
      client: [] as number[],
      http: [] as number[],
      native: [] as number[],
      engine: [] as number[],
      ast: [] as number[],
      tree: [] as number[],
      plan: [] as number[],
      pipeline: [] as number[],
      parse: [] as number[],
    };
    let rowsOut = 0;
    const timed = async (xs: number[], fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    };
    for (let i = -3; i < args.runs; i++) {
      const sink =
        i < 0 ? { ...t, client: [], http: [], native: [], engine: [], ast: [], tree: [], plan: [], pipeline: [] } : t;
      const url = c.url;
      // The whole request through Fastify (no socket), reading through services.reader (native).
      if (url) {
        await timed(sink.http, async () => {
          const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
          if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
        });
      }
      await timed(sink.client, async () =>
        (await services.ch.query({ query: c.req.sql, query_params: c.req.params, format: 'JSONEachRow' })).json(),
      );
      const t0 = performance.now();
      const r = await bind(base, c.req.sql, c.req.params);
      sink.native.push(performance.now() - t0);
      sink.engine.push(r.elapsed * 1000);
      const t1 = performance.now();
      const rows = parseJsonEachRow(r.text());
      if (i >= 0) t.parse.push(performance.now() - t1);
      rowsOut = rows.length;
      await timed(sink.ast, () => bind(base, `EXPLAIN AST ${c.req.sql}`, c.req.params));
      await timed(sink.tree, () => bind(base, `EXPLAIN QUERY TREE ${c.req.sql}`, c.req.params));
      await timed(sink.plan, () => bind(base, `EXPLAIN PLAN ${c.req.sql}`, c.req.params));
      await timed(sink.pipeline, () => bind(base, `EXPLAIN PIPELINE ${c.req.sql}`, c.req.params));
    }
    const cells = [
      c.name,
      String(rowsOut),
      f2(median(t.client)),
      f2(median(t.native)),
      f2(median(t.engine)),
      f2(median(t.http)),
      c.url ? `${(median(t.http) / median(t.engine)).toFixed(2)}×` : '–',
      f2(median(t.ast)),
      f2(median(t.tree)),
      f2(median(t.plan)),
      f2(median(t.pipeline)),
      f2(median(t.parse)),
      f2(median(t.client) - median(t.native)),
    ];
    breakdown.push(`| ${cells.join(' | ')} |`);
    log(breakdown.at(-1) ?? '');
  }

  // 2. Settings for tiny reads: each candidate on its own session, interleaved run by run,
  // over every read of the wider set of requests.
  const names = Object.keys(CANDIDATES);
  const sessions = names.map((n) => sessionWith(CANDIDATES[n] ?? {}));
  const wall = wide.map(() => names.map(() => [] as number[]));
  for (let i = -3; i < args.runs; i++) {
    for (const [ci, c] of wide.entries()) {
      // Rotated each run, so no candidate always follows the same one.
      for (let k = 0; k < sessions.length; k++) {
        const si = (k + i + 3) % sessions.length;
        const s = sessions[si];
        if (!s) continue;
        const t0 = performance.now();
        await bind(s, c.req.sql, c.req.params);
        if (i >= 0) wall[ci]?.[si]?.push(performance.now() - t0);
      }
    }
  }
  const settingRows: string[] = [`| read | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`];
  const sums = names.map(() => 0);
  for (const [ci, c] of wide.entries()) {
    const m = names.map((_, si) => median(wall[ci]?.[si] ?? []));
    m.forEach((x, si) => {
      sums[si] = (sums[si] ?? 0) + x;
    });
    const ref = m[0] ?? Number.NaN;
    settingRows.push(
      `| ${c.name} | ${m.map((x, si) => (si === 0 ? f2(x) : `${f2(x)} (${x >= ref ? '+' : ''}${f2(((x - ref) / ref) * 100)} %)`)).join(' | ')} |`,
    );
    log(settingRows.at(-1) ?? '');
  }
  const ref = sums[0] ?? Number.NaN;
  settingRows.push(
    `| **sum** | ${sums.map((x, si) => (si === 0 ? f2(x) : `${f2(x)} (${x >= ref ? '+' : ''}${f2(((x - ref) / ref) * 100)} %)`)).join(' | ')} |`,
  );
  for (const s of [base, ...sessions]) s.close();

  // 3. The pool: 8 concurrent callers, each reading the per-bot mix, over 1, 2 and 4 sessions;
  // and, as a ceiling only, the same reads on sessions that bypass chDB's process-wide chain
  // of parameterized queries (values sent as `SET param_…` on the session: not used).
  const mix = cases.slice(1, 5).map((c) => c.req);
  const readers = [
    ...[1, 2, 4].map((n) => ({
      label: `chdbReader, ${n} session${n > 1 ? 's' : ''}`,
      reader: chdbReader({ path: chPath, queryTimeoutSeconds: config.queryTimeoutSeconds, sessions: n }),
    })),
    ...[1, 2].map((n) => ({
      label: `ceiling: SET param_…, ${n} session${n > 1 ? 's' : ''}`,
      reader: setParamReader(n),
    })),
  ].map((r) => ({ ...r, lat: [] as number[], elapsedMs: 0, reads: 0 }));
  // Same rows from every reader (as sets: GROUP BY without ORDER BY has no order).
  const rowSet = (rows: unknown[]) => JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
  for (const req of mix) {
    const want = rowSet((await readers[0]?.reader.rows(req)) ?? []);
    for (const p of readers) {
      if (rowSet(await p.reader.rows(req)) !== want) throw new Error(`${p.label}: other rows for ${req.sql}`);
    }
  }
  const rounds = Math.max(3, Math.round(args.runs / 10));
  for (let round = -1; round < rounds; round++) {
    for (const p of round % 2 === 0 ? readers : [...readers].reverse()) {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async (_, k) => {
          for (let j = 0; j < mix.length; j++) {
            const req = mix[(j + k) % mix.length];
            if (!req) continue;
            const s = performance.now();
            await p.reader.rows(req);
            if (round >= 0) p.lat.push(performance.now() - s);
          }
        }),
      );
      if (round >= 0) {
        p.elapsedMs += performance.now() - t0;
        p.reads += 8 * mix.length;
      }
    }
  }
  const poolRows = ['| reader | reads/s | latency p50 | latency p95 |', '|---|---|---|---|'];
  for (const p of readers) {
    const sorted = [...p.lat].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? Number.NaN;
    poolRows.push(
      `| ${p.label} | ${((p.reads * 1000) / p.elapsedMs).toFixed(0)} | ${f2(median(p.lat))} | ${f2(p95)} |`,
    );
    log(poolRows.at(-1) ?? '');
    await p.reader.close();
  }

  await app.close();
  await services.close();

  const cpus = os.cpus();
  const [events] = [path.basename(dataDir)];
  process.stdout.write(
    [
      `### ${events}: ${args.runs} runs per cell, medians in ms (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}.`,
      `Reads: bot ${bot.bot_id}, LIVE, 30 days to ${new Date(endMs).toISOString()}, UTC; the SQL and params the server ran for each request (its last read).`,
      '',
      ...breakdown,
      '',
      'Settings: native wall of every read of 13 requests (bot range 30 days; team conversations 90 days, whole team, grouped by bot and channel), each candidate on its own session on top of the client’s three settings, runs interleaved; in brackets the change against the client’s settings alone.',
      '',
      ...settingRows,
      '',
      'Pool: 8 concurrent callers, each reading the four per-bot reads in turn, through chdbReader.',
      '',
      ...poolRows,
      '',
    ].join('\n'),
  );
}

await main();

/**
 * `npm run bench:ingest`: durable HTTP ingest throughput of `chatlayer-analytics serve`, in one
 * run for the embedded default (one process, chDB + SQLite) and for 1 and 3 replicas on
 * PostgreSQL + `clickhouse:local`, at 4 and 16 closed-loop clients (medians over repeats);
 * with RSS per process, PostgreSQL transactions/s and lock waits, and flush sizes from each
 * server's /metrics. Writes the "## Ingest" section of docs/benchmarks.md.
 *
 *   npm run bench:ingest                       # embedded, 1 replica, 3 replicas
 *   npm run bench:ingest -- --replicas 3       # only 3 replicas (printed, not written)
 *   npm run bench:ingest -- --embedded         # only the embedded default (printed, not written)
 *   npm run bench:ingest -- --memory           # embedded, 5 M unique ids: RSS at each million
 *   BENCH_SECONDS=5 BENCH_RUNS=1 npm run bench:ingest   # a short run
 *
 * Every server is a child process and the load generator (bench/ingest-load.ts) runs here, so
 * the RSS of a server is its own. PostgreSQL gets a database of its own per run, so its
 * transaction counter counts the replicas only.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { PG_URL, postgresReachable } from '../test/foundation/postgres.ts';
import { type EmbeddedProcess, type ReplicaSet, startEmbedded, startReplicas } from '../test/helpers/replicas.ts';
import { cliToken } from '../test/helpers/server.ts';
import { BATCH, LoadGenerator, makePool, type Pool, type RunResult } from './ingest-load.ts';
import {
  benchDatabase,
  type FlushStats,
  flushDelta,
  PgProbe,
  type PgWindow,
  RssSampler,
  rssMiB,
  scrapeFlushes,
} from './ingest-probes.ts';
import { fmt, machine, median, root, writeSection } from './report.ts';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const SECONDS = num('BENCH_SECONDS', 15);
const RUNS = num('BENCH_RUNS', 3);
const POOL_EVENTS = num('BENCH_POOL_EVENTS', 600_000);
// Closed-loop clients: with 4 nothing is queued while a flush runs; 16 keeps a flush's worth
// always queued (measured 2026-11-25: 25 k and 47 k events/s embedded, in one process).
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '4,16').split(',').map(Number);
const MEMORY_EVENTS = num('BENCH_MEMORY_EVENTS', 5_000_000);
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const APP = 'cla-bench-replica';
const SERVER_ENV = { METRICS_TOKEN, RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'error' };

interface Deployment {
  label: string;
  origins: string[];
  token: string;
  serverPids(): (number | undefined)[];
  storePid(): number | undefined;
  pg: PgProbe | undefined;
  close(): Promise<void>;
}

interface Measured {
  clients: number;
  runs: RunResult[];
  flushes: FlushStats[];
  pg: PgWindow[];
  /** Peak RSS per server process over the runs, MiB. */
  rss: number[];
  storeRss: number;
}

async function embedded(pool: Pool): Promise<Deployment> {
  const proc: EmbeddedProcess = await startEmbedded(SERVER_ENV);
  const token = await cliToken(proc.dataDir, pool.teamId, 'ingest');
  return {
    label: 'embedded (1 process, chDB + SQLite)',
    origins: [proc.url()],
    token,
    serverPids: () => [proc.pid()],
    storePid: () => undefined,
    pg: undefined,
    close: async () => {
      await proc.stop();
      fs.rmSync(proc.dataDir, { recursive: true, force: true });
    },
  };
}

async function replicas(pool: Pool, n: number): Promise<Deployment> {
  const database = await benchDatabase(PG_URL);
  const set: ReplicaSet = await startReplicas({
    replicas: n,
    databaseUrl: database.url,
    env: { ...SERVER_ENV, PGAPPNAME: APP },
  });
  const token = await set.token(pool.teamId, ['ingest']);
  const pg = await PgProbe.open(database.url, APP);
  return {
    label: `${n} replica${n > 1 ? 's' : ''} (PostgreSQL + clickhouse:local)`,
    origins: Array.from({ length: n }, (_, i) => set.url(i)),
    token,
    serverPids: () => Array.from({ length: n }, (_, i) => set.pid(i)),
    storePid: () => set.storePid(),
    pg,
    close: async () => {
      await pg.close();
      await set.stopAll();
      await database.drop();
    },
  };
}

async function measure(d: Deployment, pool: Pool): Promise<Measured[]> {
  const load = new LoadGenerator(d.origins, d.token, pool, Math.max(...CLIENT_COUNTS));
  await load.warmUp();
  const out: Measured[] = [];
  for (const clients of CLIENT_COUNTS) {
    const m: Measured = { clients, runs: [], flushes: [], pg: [], rss: [], storeRss: 0 };
    for (let r = 0; r < RUNS; r++) {
      const before = await scrapeFlushes(d.origins, METRICS_TOKEN);
      const stopPg = await d.pg?.start();
      const rss = new RssSampler([...d.serverPids(), d.storePid()]);
      const run = await load.run(clients, SECONDS);
      const peaks = rss.stop();
      const pgWindow = await stopPg?.();
      const flushes = flushDelta(before, await scrapeFlushes(d.origins, METRICS_TOKEN));
      m.runs.push(run);
      m.flushes.push(flushes);
      if (pgWindow) m.pg.push(pgWindow);
      const serverPeaks = peaks.slice(0, -1);
      m.rss = serverPeaks.map((p, i) => Math.max(p, m.rss[i] ?? 0));
      m.storeRss = Math.max(m.storeRss, peaks.at(-1) ?? 0);
      process.stderr.write(
        `${d.label}, ${clients} clients, run ${r + 1}: ${fmt(run.eventsPerSec)} events/s, p50 ${run.p50.toFixed(0)} ms, p99 ${run.p99.toFixed(0)} ms, ${flushes.flushes} flushes of ${fmt(flushes.events / Math.max(1, flushes.flushes))} events, ${((1000 * flushes.seconds) / Math.max(1, flushes.flushes)).toFixed(0)} ms each${pgWindow ? `, ${fmt(pgWindow.commits / pgWindow.seconds)} PG commits/s, lock waits in ${pgWindow.samplesWithLockWait}/${pgWindow.samples} samples` : ''}\n`,
      );
    }
    out.push(m);
  }
  await load.close();
  return out;
}

const perSec = (n: number, s: number) => (s > 0 ? n / s : 0);

function topWaits(windows: PgWindow[]): string {
  const all = new Map<string, number>();
  let active = 0;
  for (const w of windows) {
    active += w.meanActive * w.samples;
    for (const [k, v] of w.waits) all.set(k, (all.get(k) ?? 0) + v);
  }
  if (active === 0) return '—';
  return (
    [...all]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${((100 * v) / active).toFixed(0)} %`)
      .join(', ') || 'none'
  );
}

function rows(label: string, ms: Measured[]): string[] {
  return ms.map((m) => {
    const rate = median(m.runs.map((r) => r.eventsPerSec));
    const f = m.flushes;
    const flushes = f.reduce((s, x) => s + x.flushes, 0);
    const events = f.reduce((s, x) => s + x.events, 0);
    const flushSeconds = f.reduce((s, x) => s + x.seconds, 0);
    const secs = m.runs.reduce((s, r) => s + r.seconds, 0);
    const pg = m.pg;
    const pgCells =
      pg.length === 0
        ? ['—', '—', '—']
        : [
            fmt(median(pg.map((w) => perSec(w.commits, w.seconds)))),
            `${(
              (100 * pg.reduce((s, w) => s + w.samplesWithLockWait, 0)) /
                Math.max(
                  1,
                  pg.reduce((s, w) => s + w.samples, 0),
                )
            ).toFixed(0)} % of samples (max ${Math.max(...pg.map((w) => w.maxLocksWaiting))} locks)`,
            topWaits(pg),
          ];
    return [
      `| ${label} | ${m.clients} | **${fmt(rate)}** | ${m.runs.map((r) => fmt(r.eventsPerSec)).join(' / ')}`,
      `${median(m.runs.map((r) => r.p50)).toFixed(0)} / ${median(m.runs.map((r) => r.p99)).toFixed(0)} ms`,
      `${perSec(flushes, secs).toFixed(1)}/s × ${fmt(events / Math.max(1, flushes))} events, ${((1000 * flushSeconds) / Math.max(1, flushes)).toFixed(0)} ms`,
      ...pgCells,
      `${m.rss.map((r) => fmt(r)).join(' / ')}${m.storeRss > 0 ? ` (store ${fmt(m.storeRss)})` : ''} |`,
    ].join(' | ');
  });
}

const flag = (only: number | 'embedded' | undefined): string =>
  only === undefined ? '' : only === 'embedded' ? ' -- --embedded' : ` -- --replicas ${only}`;

/** `only`: a number of replicas, 'embedded', or undefined for the full comparison. */
async function throughput(only: number | 'embedded' | undefined): Promise<void> {
  if (only !== 'embedded' && !(await postgresReachable())) {
    throw new Error('PostgreSQL is not reachable on 127.0.0.1:5432');
  }
  process.stderr.write(`generating ${fmt(POOL_EVENTS)} demo events…\n`);
  const pool = makePool(POOL_EVENTS, `b${Date.now().toString(36)}-`);
  const plan: (() => Promise<Deployment>)[] =
    only === undefined
      ? [() => embedded(pool), () => replicas(pool, 1), () => replicas(pool, 3)]
      : only === 'embedded'
        ? [() => embedded(pool)]
        : [() => replicas(pool, only)];
  const table: string[] = [];
  const summary: string[] = [];
  const loadAtStart = machine();
  for (const start of plan) {
    const d = await start();
    try {
      const ms = await measure(d, pool);
      table.push(...rows(d.label, ms));
      for (const m of ms)
        summary.push(`${d.label}, ${m.clients} clients: ${fmt(median(m.runs.map((r) => r.eventsPerSec)))} events/s`);
    } finally {
      await d.close();
    }
  }
  const lines = [
    '## Ingest',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z with \`npm run bench:ingest${flag(only)}\` (${RUNS} runs × ${SECONDS} s per row, closed-loop clients, ~${BATCH}-event NDJSON batches of demo traffic with client ids, ${pool.meanBytes.toFixed(0)} bytes/event, every id new). Each server is a \`serve\` child process on a fresh store; the load generator runs in the benchmark's process; with several replicas client k talks to replica k mod N. PostgreSQL gets a database of its own per configuration.`,
    '',
    ...loadAtStart.map((l) => `- ${l}`),
    '',
    '| configuration | clients | events/s (median) | runs | request p50 / p99 | flushes: rate × mean size, mean duration | PostgreSQL commits/s | lock waits (100 ms samples) | top waits of active replica sessions | peak RSS per server, MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
    "Flush sizes and durations come from the servers' `chatlayer_ingest_flush_events` and `chatlayer_ingest_flush_duration_seconds` histograms (`/metrics` with `METRICS_TOKEN`); PostgreSQL numbers from `pg_stat_database.xact_commit` (delta over the run) and, every 100 ms, `pg_locks` not granted and `pg_stat_activity.wait_event` of the replicas' sessions (`application_name`). On this 2-core machine three replicas, PostgreSQL, the store and the load generator share the same two cores, so more replicas cannot show more throughput here; the columns show whether anything serialises needlessly.",
    '',
  ];
  process.stdout.write(`${summary.join('\n')}\n\n${lines.join('\n')}\n`);
  if (only === undefined) writeSection(`${root}/docs/benchmarks.md`, '## Ingest', lines.join('\n'));
}

async function memory(): Promise<void> {
  process.stderr.write(`generating ${fmt(POOL_EVENTS)} demo events…\n`);
  const pool = makePool(POOL_EVENTS, `m${Date.now().toString(36)}-`);
  const loadAtStart = machine();
  const d = await embedded(pool);
  const marks: { events: number; rss: number; seconds: number }[] = [];
  try {
    const load = new LoadGenerator(d.origins, d.token, pool, 16);
    await load.warmUp();
    const pid = d.serverPids()[0];
    const startRss = rssMiB(pid);
    await load.until(16, MEMORY_EVENTS, 1_000_000, async (events, seconds) => {
      const rss = rssMiB(pid);
      marks.push({ events, rss, seconds });
      process.stderr.write(`${fmt(events)} events after ${seconds.toFixed(0)} s: RSS ${fmt(rss)} MiB\n`);
    });
    await load.close();
    const lines = [
      '## Ingest memory',
      '',
      `Measured ${new Date().toISOString().slice(0, 16)}Z with \`npm run bench:ingest -- --memory\`: the embedded default (one \`serve\` process, chDB + SQLite) takes ${fmt(MEMORY_EVENTS)} events with unique client ids from 16 closed-loop clients (~${BATCH}-event batches); the server's resident memory (VmRSS) is read at each million. I3: no per-id or per-user structure may grow with the traffic.`,
      '',
      ...loadAtStart.map((l) => `- ${l}`),
      '',
      '| events ingested | elapsed | RSS of the server, MiB |',
      '|---|---|---|',
      `| 0 (after warm-up) | — | ${fmt(startRss)} |`,
      ...marks.map((m) => `| ${fmt(m.events)} | ${m.seconds.toFixed(0)} s | ${fmt(m.rss)} |`),
      '',
    ];
    const first = marks[0]?.rss ?? 0;
    const last = marks.at(-1)?.rss ?? 0;
    lines.push(
      `RSS at 1 M: ${fmt(first)} MiB; at ${fmt(MEMORY_EVENTS / 1e6)} M: ${fmt(last)} MiB (${first > 0 ? (((last - first) / first) * 100).toFixed(0) : '?'} % change).`,
      '',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    writeSection(`${root}/docs/benchmarks.md`, '## Ingest memory', lines.join('\n'));
  } finally {
    await d.close();
  }
}

const { values } = parseArgs({
  options: {
    replicas: { type: 'string' },
    embedded: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
  },
});
if (values.memory) await memory();
else if (values.embedded) await throughput('embedded');
else await throughput(values.replicas === undefined ? undefined : Number(values.replicas));

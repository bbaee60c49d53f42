/**
 * What `npm run bench:ingest` watches besides throughput: resident memory per server process,
 * PostgreSQL's transactions and lock waits of the replicas' sessions, and the servers' own
 * flush histogram from /metrics. Where the time goes when three replicas share two cores.
 */
import fs from 'node:fs';
import pg from 'pg';
import { parsePromText, sample } from '../test/helpers/prom-text.ts';

/** Resident set size of a process in MiB (0 when it is gone). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the RSS of some processes until stopped; keeps each one's peak. */
export class RssSampler {
  private readonly peaks: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: (number | undefined)[]) {
    this.peaks = pids.map(() => 0);
    this.tick();
    this.timer = setInterval(() => this.tick(), 500);
  }

  private tick(): void {
    this.pids.forEach((pid, i) => {
      this.peaks[i] = Math.max(this.peaks[i] ?? 0, rssMiB(pid));
    });
  }

  stop(): number[] {
    clearInterval(this.timer);
    this.tick();
    return [...this.peaks];
  }
}

export interface FlushStats {
  flushes: number;
  events: number;
  seconds: number;
}

/** The flush histogram sums of every server (scraped with METRICS_TOKEN). */
export async function scrapeFlushes(origins: string[], metricsToken: string): Promise<FlushStats> {
  const total: FlushStats = { flushes: 0, events: 0, seconds: 0 };
  for (const origin of origins) {
    const res = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    const m = parsePromText(await res.text());
    total.flushes += sample(m, 'chatlayer_ingest_flush_events_count');
    total.events += sample(m, 'chatlayer_ingest_flush_events_sum');
    total.seconds += sample(m, 'chatlayer_ingest_flush_duration_seconds_sum');
  }
  return total;
}

export const flushDelta = (a: FlushStats, b: FlushStats): FlushStats => ({
  flushes: b.flushes - a.flushes,
  events: b.events - a.events,
  seconds: b.seconds - a.seconds,
});

export interface PgWindow {
  commits: number;
  rollbacks: number;
  seconds: number;
  samples: number;
  /** Samples in which some lock of a replica's session was not granted. */
  samplesWithLockWait: number;
  /** Mean and peak count of not-granted locks held by the replicas' sessions. */
  meanLocksWaiting: number;
  maxLocksWaiting: number;
  /** Mean active sessions of the replicas per sample. */
  meanActive: number;
  /** `type:event` → samples of an active replica session waiting on it. */
  waits: Map<string, number>;
}

/**
 * Watches one PostgreSQL database while a run goes on: xact_commit delta (the whole database,
 * which the benchmark has to itself), and every 100 ms the replicas' sessions (by
 * application_name) — locks not granted and what active sessions wait on.
 */
export class PgProbe {
  private constructor(
    private readonly client: pg.Client,
    private readonly appPrefix: string,
  ) {}

  static async open(url: string, appPrefix: string): Promise<PgProbe> {
    const client = new pg.Client({ connectionString: url, application_name: 'cla-bench-probe' });
    await client.connect();
    return new PgProbe(client, appPrefix);
  }

  private async counters(): Promise<{ commits: number; rollbacks: number }> {
    // pg_stat_database is refreshed by the backends only now and then; force a fresh snapshot.
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.client.query<{ c: string; r: string }>(
      'SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = current_database()',
    );
    return { commits: Number(rows[0]?.c ?? 0), rollbacks: Number(rows[0]?.r ?? 0) };
  }

  /** Starts watching; the returned function stops and reports the window. */
  async start(): Promise<() => Promise<PgWindow>> {
    const before = await this.counters();
    const t0 = performance.now();
    const w: PgWindow = {
      commits: 0,
      rollbacks: 0,
      seconds: 0,
      samples: 0,
      samplesWithLockWait: 0,
      meanLocksWaiting: 0,
      maxLocksWaiting: 0,
      meanActive: 0,
      waits: new Map(),
    };
    let lockSum = 0;
    let activeSum = 0;
    let stopped = false;
    const like = `${this.appPrefix}%`;
    const loop = (async () => {
      while (!stopped) {
        const locks = await this.client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE NOT l.granted AND a.application_name LIKE $1`,
          [like],
        );
        const active = await this.client.query<{ t: string | null; e: string | null; n: string }>(
          `SELECT wait_event_type AS t, wait_event AS e, count(*) AS n FROM pg_stat_activity
           WHERE application_name LIKE $1 AND state = 'active' GROUP BY 1, 2`,
          [like],
        );
        const waiting = Number(locks.rows[0]?.n ?? 0);
        w.samples++;
        lockSum += waiting;
        if (waiting > 0) w.samplesWithLockWait++;
        w.maxLocksWaiting = Math.max(w.maxLocksWaiting, waiting);
        for (const r of active.rows) {
          activeSum += Number(r.n);
          if (r.t !== null) {
            const key = `${r.t}:${r.e ?? ''}`;
            w.waits.set(key, (w.waits.get(key) ?? 0) + Number(r.n));
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
      const after = await this.counters();
      w.seconds = (performance.now() - t0) / 1000;
      w.commits = after.commits - before.commits;
      w.rollbacks = after.rollbacks - before.rollbacks;
      w.meanLocksWaiting = w.samples ? lockSum / w.samples : 0;
      w.meanActive = w.samples ? activeSum / w.samples : 0;
      return w;
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** A database of its own for one benchmark run, so xact_commit counts only the replicas. */
export async function benchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cla_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

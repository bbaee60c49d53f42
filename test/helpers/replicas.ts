/**
 * N `chatlayer-analytics serve` processes sharing one PostgreSQL schema (control store) and
 * one `clickhouse:local` store (analytics), each on its own loopback port, REPLICA_ID and
 * DATA_DIR: the scale-out deployment of DESIGN.md "Scale-out", on this machine (issue 10).
 *
 * A replica keeps its port across kill -9 and restart, so a client that retries "the same
 * replica" later reaches its new process, as behind a load balancer with fixed backends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createToken, type Scope } from '../../src/auth/tokens.ts';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { type ControlDb, openControlDb } from '../../src/store/control/db.ts';
import { freshSchema } from '../foundation/postgres.ts';
import { type ClickHouseLocalProcess, spawnClickHouseLocal } from './clickhouse-local.ts';
import { freePort, repoRoot, tempDir } from './server.ts';

const BIN = path.join(repoRoot, 'bin', 'chatlayer-analytics.js');
const READY_TIMEOUT_MS = 90_000;

export interface ReplicaOptions {
  /** Number of replicas. */
  replicas: number;
  /** Extra environment for every replica (e.g. webhook settings). */
  env?: Record<string, string>;
  /** Extra `serve` arguments for every replica. */
  args?: string[];
  /**
   * `together`: spawn every process in the same tick before waiting for any (I5, the
   * concurrent first start). Default: the first replica alone (it migrates the empty stores),
   * then the rest together, so tests about something else do not depend on I5.
   */
  together?: boolean;
  /** Control store to use as is (not dropped by stopAll); default a fresh schema in `test`. */
  databaseUrl?: string;
}

/** One `serve` child and what it printed. */
interface Proc {
  child: ChildProcess;
  out: string;
  exited: Promise<void>;
}

export interface ReplicaSet {
  readonly size: number;
  /** PostgreSQL connection string of the shared control schema. */
  readonly databaseUrl: string;
  readonly clickhouseUrl: string;
  /** Kysely on the shared control store (tokens, inspections). */
  readonly db: ControlDb;
  /** @clickhouse/client on the shared analytics store (counts, inspections). */
  readonly ch: ClickHouseClient;
  /** Base URL of replica i (stable across restarts). */
  url(i: number): string;
  /** REPLICA_ID of replica i. */
  id(i: number): string;
  /** Operating-system pid of replica i's current process (undefined when down). */
  pid(i: number): number | undefined;
  /** Operating-system pid of the clickhouse:local process. */
  storePid(): number | undefined;
  /** True while replica i's process runs. */
  alive(i: number): boolean;
  /** Everything replica i's processes printed so far, restarts included. */
  output(i: number): string;
  /** SIGKILL replica i: no flush, no shutdown hook. */
  kill9(i: number): Promise<void>;
  /** SIGTERM replica i and wait for its exit (a graceful stop: flush, shutdown hooks). */
  stop(i: number): Promise<void>;
  /** Starts replica i again (same port, REPLICA_ID and DATA_DIR) and waits for /readyz. */
  restart(i: number): Promise<void>;
  /** A token for `team` in the shared control store, valid on every replica. */
  token(team: string, scopes?: Scope[]): Promise<string>;
  /** Stops every replica (SIGKILL), the analytics store, and drops the control schema. */
  stopAll(): Promise<void>;
}

function spawnServe(env: Record<string, string>, args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { child, out: '', exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  child.stdout?.on('data', (d: Buffer) => {
    proc.out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    proc.out += d.toString();
  });
  return proc;
}

async function waitReady(url: string, proc: Proc, label: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${label} exited early (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.out}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`${label} did not become ready:\n${proc.out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the analytics store, a fresh control schema, then `replicas` serve processes (all in
 * the same tick unless `together: false`), resolving once every one answers /readyz.
 */
export async function startReplicas(opts: ReplicaOptions): Promise<ReplicaSet> {
  const schema = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => {} } : await freshSchema();
  let clickhouse: ClickHouseLocalProcess | undefined;
  const procs: (Proc | undefined)[] = [];
  const history: string[] = [];
  const dirs: string[] = [];
  try {
    clickhouse = await spawnClickHouseLocal();
    const chUrl = clickhouse.url;
    const ports = await uniquePorts(opts.replicas);
    for (const _ of ports) dirs.push(tempDir('cla-replica-'));
    const ids = ports.map((_, i) => `replica-${i}`);
    const envOf = (i: number): Record<string, string> => ({
      ...opts.env,
      DATABASE_URL: schema.url,
      CLICKHOUSE_URL: chUrl,
      DATA_DIR: dirs[i] as string,
      PORT: String(ports[i]),
      HOST: '127.0.0.1',
      REPLICA_ID: ids[i] as string,
    });
    const urlOf = (i: number): string => `http://127.0.0.1:${ports[i]}`;
    const args = opts.args ?? [];
    const spawnOne = (i: number): Proc => {
      const p = spawnServe(envOf(i), args);
      procs[i] = p;
      return p;
    };
    const startGroup = async (from: number): Promise<void> => {
      const started = ports.slice(from).map((_, k) => spawnOne(from + k));
      await Promise.all(started.map((p, k) => waitReady(urlOf(from + k), p, ids[from + k] as string)));
    };
    if (opts.together) await startGroup(0);
    else {
      await waitReady(urlOf(0), spawnOne(0), ids[0] as string);
      await startGroup(1);
    }
    const db = openControlDb({ databaseUrl: schema.url, dataDir: dirs[0] as string });
    const ch = createAnalyticsClient({ url: chUrl, dataDir: dirs[0] as string, queryTimeoutSeconds: 120 });
    const check = (i: number): number => {
      if (i < 0 || i >= ports.length) throw new RangeError(`no replica ${i}`);
      return i;
    };
    const set: ReplicaSet = {
      size: ports.length,
      databaseUrl: schema.url,
      clickhouseUrl: chUrl,
      db,
      ch,
      url: (i) => urlOf(check(i)),
      id: (i) => ids[check(i)] as string,
      pid: (i) => {
        const p = procs[i];
        return p && p.child.exitCode === null && p.child.signalCode === null ? p.child.pid : undefined;
      },
      storePid: () => clickhouse?.child.pid,
      alive: (i) => set.pid(i) !== undefined,
      output: (i) => `${history[i] ?? ''}${procs[i]?.out ?? ''}`,
      kill9: async (i) => {
        check(i);
        const p = procs[i];
        if (!p) return;
        p.child.kill('SIGKILL');
        await p.exited;
      },
      stop: async (i) => {
        const p = procs[check(i)];
        if (!p || !set.alive(i)) return;
        p.child.kill('SIGTERM');
        await p.exited;
      },
      restart: async (i) => {
        check(i);
        const old = procs[i];
        if (old && set.alive(i)) throw new Error(`replica ${i} is still running`);
        history[i] = `${history[i] ?? ''}${old?.out ?? ''}\n--- restart ---\n`;
        await waitReady(urlOf(i), spawnOne(i), ids[i] as string);
      },
      token: async (team, scopes = ['read', 'ingest', 'admin']) => (await createToken(db, team, scopes)).token,
      stopAll: async () => {
        await Promise.all(
          procs.map(async (p) => {
            if (!p) return;
            p.child.kill('SIGKILL');
            await p.exited;
          }),
        );
        await ch.close();
        await db.destroy();
        await clickhouse?.kill9();
        await schema.drop();
        for (const d of [...dirs, clickhouse?.dataPath ?? '']) if (d) fs.rmSync(d, { recursive: true, force: true });
      },
    };
    return set;
  } catch (e) {
    await Promise.all(
      procs.map(async (p) => {
        p?.child.kill('SIGKILL');
        await p?.exited;
      }),
    );
    await clickhouse?.kill9();
    await schema.drop();
    for (const d of [...dirs, clickhouse?.dataPath ?? '']) if (d) fs.rmSync(d, { recursive: true, force: true });
    throw e;
  }
}

/** `n` distinct free loopback ports (freePort may hand the same one out twice in a row). */
async function uniquePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** The single-process embedded default (chDB + SQLite in its DATA_DIR), killed and restarted in place. */
export interface EmbeddedProcess {
  readonly dataDir: string;
  /** Operating-system pid of the current process (undefined when down). */
  pid(): number | undefined;
  url(): string;
  alive(): boolean;
  output(): string;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbedded(env: Record<string, string> = {}): Promise<EmbeddedProcess> {
  const dataDir = tempDir('cla-embedded-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const full = { ...env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  let proc = spawnServe(full, []);
  let history = '';
  await waitReady(url, proc, 'embedded');
  const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
  return {
    dataDir,
    pid: () => (alive() ? proc.child.pid : undefined),
    url: () => url,
    alive,
    output: () => `${history}${proc.out}`,
    kill9: async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
    restart: async () => {
      if (alive()) throw new Error('embedded process is still running');
      history += `${proc.out}\n--- restart ---\n`;
      proc = spawnServe(full, []);
      await waitReady(url, proc, 'embedded');
    },
    stop: async () => {
      if (alive()) proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
}

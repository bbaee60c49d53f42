import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.ts';
import { createToken, type Scope } from '../../src/auth/tokens.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type AppServices, openServices } from '../../src/services.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function tempDir(prefix = 'cla-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface TestServer {
  url: string;
  services: AppServices;
  app: FastifyInstance;
  dataDir: string;
  token(teamId: string, scopes?: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real server in this process (chDB + SQLite, or PostgreSQL when databaseUrl is
 * given) on a random loopback port. chDB binds one data dir per process, so use one
 * in-process server per test file; use startServerProcess for restarts.
 */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  const config = loadConfig({ LOG_LEVEL: 'silent' }, { dataDir, port: 0, host: '127.0.0.1', ...overrides });
  const services = await openServices(config);
  const app = await buildServer(services, { logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    app,
    dataDir,
    token: async (teamId, scopes = ['read', 'ingest', 'admin']) =>
      (await createToken(services.db, teamId, scopes)).token,
    close: async () => {
      await app.close();
      await services.close();
    },
  };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGKILL: no flush, no goodbye (durability tests). */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `chatlayer-analytics serve` as a child process and waits for /readyz. */
export async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), 'serve', ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    output: () => out,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `node ARGS` in the repo; resolves with its exit code and output. */
export async function spawnNode(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out, err };
}

/** Runs `node ARGS` in the repo and returns its stdout; rejects with stderr on a non-zero exit. */
export async function runNode(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { code, out, err } = await spawnNode(args, env);
  if (code !== 0) throw new Error(`node ${args.slice(0, 3).join(' ')} failed (${code}): ${err}`);
  return out;
}

/** Creates a token directly in the control store of a stopped or running server's data dir. */
export async function cliToken(dataDir: string, team: string, scopes = 'read,ingest,admin'): Promise<string> {
  const out = await runNode(
    [path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), 'token', 'create', '--team', team, '--scopes', scopes],
    { DATA_DIR: dataDir },
  );
  return out.trim();
}

/** fetch with a token; returns status and parsed JSON body. */
export async function api(
  url: string,
  token: string | undefined,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/** POSTs events as NDJSON to /v1/ingest. */
export async function ingest(baseUrl: string, token: string, events: readonly object[]) {
  return api(`${baseUrl}/v1/ingest`, token, {
    method: 'POST',
    body: events.map((e) => JSON.stringify(e)).join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
  });
}

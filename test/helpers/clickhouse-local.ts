import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot, tempDir } from './server.ts';

export interface ClickHouseLocalProcess {
  url: string;
  port: number;
  dataPath: string;
  child: ChildProcess;
  /** SIGKILL, waiting for the exit. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `npm run clickhouse:local -- --port P --path DIR` as a child process (chDB binds one data
 * dir per process, so the fixture cannot share the test's), ready when /ping answers.
 */
export async function spawnClickHouseLocal(
  opts: { port?: number; dataPath?: string } = {},
): Promise<ClickHouseLocalProcess> {
  const port = opts.port ?? (await freePort());
  const dataPath = opts.dataPath ?? tempDir('chl-');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test/fixtures/clickhouse-local/cli.ts'),
      '--port',
      String(port),
      '--path',
      dataPath,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`clickhouse:local did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    dataPath,
    child,
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

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** True when something accepts TCP on 127.0.0.1:5432. */
export function postgresReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: 5432 });
    sock.setTimeout(2000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/**
 * A fresh schema in the shared `test` database (other suites use it concurrently), and a
 * connection string whose search_path points at it, so migrations start from nothing.
 */
export async function freshSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    url: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

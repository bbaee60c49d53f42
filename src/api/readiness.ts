import { sql } from 'kysely';
import type { AppServices } from '../services.ts';

export type StoreName = 'analytics' | 'control';

export interface StoreHealth {
  store: StoreName;
  ok: boolean;
  reason?: string;
}

const PROBE_TIMEOUT_MS = 2000;

async function probe(store: StoreName, run: () => Promise<unknown>): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return { store, ok: true };
  } catch (e) {
    return { store, ok: false, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether each store answers now (`/readyz`): a load balancer takes a replica that lost a
 * store out of rotation, and puts it back once the store answers again; nothing to restart.
 */
export async function storeHealth(services: Pick<AppServices, 'ch' | 'db' | 'config'>): Promise<StoreHealth[]> {
  // An embedded store lives in this process: there is nothing to reach, and a probe query
  // would only queue behind the analytics queries (chDB runs them one after another).
  const { clickhouseUrl, databaseUrl } = services.config;
  return Promise.all([
    clickhouseUrl
      ? probe('analytics', async () => {
          const r = await services.ch.ping();
          if (!r.success) throw r.error;
        })
      : { store: 'analytics' as const, ok: true },
    databaseUrl ? probe('control', () => sql`SELECT 1`.execute(services.db)) : { store: 'control' as const, ok: true },
  ]);
}

import fs from 'node:fs';
import path from 'node:path';
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

export type { ClickHouseClient };

type ChdbAsClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface AnalyticsStoreOptions {
  /** ClickHouse server URL; when absent the embedded chDB engine is used. */
  url?: string | undefined;
  /** Directory for the embedded engine's data. */
  dataDir: string;
  /** Per-query limit in seconds (CONTRACT: 504 past it). */
  queryTimeoutSeconds: number;
}

/**
 * One @clickhouse/client for both deployments: embedded chDB in-process by default,
 * a ClickHouse server when a URL is given. Nothing above this file knows which.
 */
export function createAnalyticsClient(opts: AnalyticsStoreOptions): ClickHouseClient {
  // ISO timestamps so results parse the same on chDB and on a server.
  const settings: ClickHouseSettings = {
    max_execution_time: opts.queryTimeoutSeconds,
    date_time_output_format: 'iso',
    // Counts come back as JSON numbers on both chDB and a server.
    output_format_json_quote_64bit_integers: 0,
    // chdb/connection (and clickhouse:local) apply a query's settings as session-wide `SET`s,
    // so an insert's dedupe token would stay in force for the next insert without one, which
    // the engine would then drop as a retry. Every query resets it; an insert that carries a
    // token (insertSettings + the batch id) overrides this default.
    insert_deduplication_token: '',
  };
  if (opts.url) {
    return createClient({
      url: opts.url,
      clickhouse_settings: settings,
      request_timeout: (opts.queryTimeoutSeconds + 5) * 1000,
    });
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  return createClient({
    // chdb/connection is typed against @clickhouse/client-common, the client against its
    // bundled copy of the same interface; the shapes match at run time.
    connection: createChdbConnection({ path: path.resolve(opts.dataDir) }) as unknown as ChdbAsClientConnection,
    clickhouse_settings: settings,
  });
}

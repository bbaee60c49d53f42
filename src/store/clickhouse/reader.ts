import type { ClickHouseClient } from '@clickhouse/client';

/** One SELECT: SQL with `{name:Type}` placeholders the engine binds server-side. */
export interface ReadRequest {
  sql: string;
  params: Record<string, unknown>;
  /** Always passed (undefined only where nothing can cancel, e.g. start-up). */
  signal: AbortSignal | undefined;
}

/** One result row as the engine's JSONEachRow gives it. */
export type RawRow = Record<string, unknown>;

/**
 * Every analytics read goes through this: the query layer (src/analytics/query.ts) on
 * top, an engine adapter below. Two adapters keep one SQL text: `clientReader` over
 * `@clickhouse/client` (a ClickHouse server), and the embedded engine's own.
 */
export interface AnalyticsReader {
  rows(req: ReadRequest): Promise<RawRow[]>;
  /** Releases what the reader holds (not the client it may share). */
  close(): Promise<void>;
}

/** The reader over `@clickhouse/client`: one HTTP request per read on a server. */
export function clientReader(ch: ClickHouseClient): AnalyticsReader {
  return {
    async rows({ sql, params, signal }) {
      const rs = await ch.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        ...(signal ? { abort_signal: signal } : {}),
      });
      return rs.json<RawRow>();
    },
    async close() {},
  };
}

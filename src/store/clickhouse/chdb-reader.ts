import { performance } from 'node:perf_hooks';
import { parseError } from '@clickhouse/client';
import { type ChdbResult, Session } from 'chdb';
import type { AnalyticsReader, RawRow, ReadRequest } from './reader.ts';

/** Engine numbers of one read, for benchmarks (docs/benchmarks.md "Engine path (issue 12)"). */
export interface ReadStats {
  /** Time inside the engine as it reports it (parse, analysis, plan, read, format), ms. */
  engineMs: number;
  /** Time from `rows()` to the native result in hand: queueing for a session and the engine, ms. */
  wallMs: number;
  /** JSONEachRow text to objects, ms. */
  parseMs: number;
  /** As chDB reports them for the query (`ChdbResult.rowsRead` / `bytesRead`). */
  rowsRead: number;
  bytesRead: number;
}

type SettingValue = string | number | boolean;

export interface ChdbReaderOptions {
  /** The embedded engine's directory: the one the client opened (`<dataDir>/clickhouse`). */
  path: string;
  /** Per-query limit in seconds (CONTRACT: 504 past it), as the client's. */
  queryTimeoutSeconds: number;
  /** Native sessions in the pool (each runs one read at a time). */
  sessions?: number;
  /** Session settings on top of (or replacing) READ_SETTINGS; benchmarks only. */
  settings?: Record<string, SettingValue>;
  /** Called after each successful read; benchmarks only. */
  onStats?: (stats: ReadStats, req: ReadRequest) => void;
}

/**
 * Sessions in the pool. chdb 3.4.0 runs every parameterized query of the process through
 * one chain (index.js `globalParamChain`: its per-connection parameter state is not
 * isolated), so parameterized reads never overlap in the engine whatever the pool size, and
 * each read already uses both cores of this machine (max_threads 2). Measured with 8
 * concurrent callers on the 1 M-event store (bench/engine-path.ts, two runs): 1, 2 and 4
 * sessions gave 44/49/44 and 37/35/38 reads/s, the same within noise. Two, so a read
 * still has a session while an aborted one is being replaced.
 */
export const DEFAULT_SESSIONS = 2;

/**
 * Settings every read session gets once, at open (never per query): the client's
 * (src/store/clickhouse/client.ts) so rows parse the same on both paths, and none that
 * could serve a stale answer (no query cache).
 */
export function readSettings(queryTimeoutSeconds: number): Record<string, SettingValue> {
  return {
    max_execution_time: queryTimeoutSeconds,
    date_time_output_format: 'iso',
    output_format_json_quote_64bit_integers: 0,
  };
}

function settingSql(name: string, value: SettingValue): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
  const v =
    typeof value === 'number'
      ? String(value)
      : typeof value === 'boolean'
        ? value
          ? '1'
          : '0'
        : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `SET ${name} = ${v}`;
}

/**
 * JSONEachRow text to rows in one JSON.parse: rows are separated by raw newlines, which
 * never occur inside a row (the format escapes them in strings).
 */
export function parseJsonEachRow(text: string): RawRow[] {
  if (text.length === 0) return [];
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return JSON.parse(`[${body.replaceAll('\n', ',')}]`) as RawRow[];
}

/**
 * An engine error as the client reports it (`ClickHouseError` with `code` and `type`),
 * so error mapping (src/api/error-mapping.ts: a timeout is a 504) reads both readers alike;
 * chDB's own error stays as `cause`. An abort is passed on as it is (`AbortError`).
 */
function asClientError(err: unknown): unknown {
  if (!(err instanceof Error) || err.name === 'AbortError') return err;
  const mapped = parseError(err.message);
  if (mapped === err || !(mapped instanceof Error)) return err;
  (mapped as Error & { cause?: unknown }).cause = err;
  return mapped;
}

class ReaderClosed extends Error {
  constructor() {
    super('the analytics reader is closed');
    this.name = 'ReaderClosed';
  }
}

function abortError(): Error {
  const e = new Error('read aborted while waiting for an engine session');
  e.name = 'AbortError';
  return e;
}

/**
 * The embedded engine's reader: chDB's native async API on sessions of its own over the
 * client's data directory (several sessions may share one path in a process; they share
 * the engine and its data, each with its own settings and query state). Values are bound
 * server-side (`queryBindAsync`), the SQL text is the one `clientReader` sends a server.
 * What it saves over `@clickhouse/client` on `chdb/connection`: the settings the client
 * re-sends as `SET`s before every query, the client's result stream and per-line parse.
 */
export function chdbReader(opts: ChdbReaderOptions): AnalyticsReader {
  const size = Math.max(1, Math.min(8, Math.floor(opts.sessions ?? DEFAULT_SESSIONS)));
  const settings = { ...readSettings(opts.queryTimeoutSeconds), ...opts.settings };
  const setup = Object.entries(settings)
    .map(([k, v]) => settingSql(k, v))
    .join('; ');

  const open = (): Session => {
    const s = new Session(opts.path);
    try {
      // Once per session; chDB keeps SETs for the session's later queries.
      if (setup) s.query(setup, 'CSV');
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  };

  const idle: Session[] = [];
  for (let i = 0; i < size; i++) idle.push(open());
  const waiters: { resolve: (s: Session) => void; reject: (e: unknown) => void }[] = [];
  const inflight = new Set<Promise<unknown>>();
  let closed = false;

  const acquire = (signal: AbortSignal | undefined): Promise<Session> => {
    if (closed) return Promise.reject(new ReaderClosed());
    if (signal?.aborted) return Promise.reject(abortError());
    const s = idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(abortError());
      };
      const w = {
        resolve: (got: Session) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(got);
        },
        reject: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      waiters.push(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const release = (s: Session): void => {
    if (closed) {
      s.close();
      return;
    }
    const w = waiters.shift();
    if (w) w.resolve(s);
    else idle.push(s);
  };

  /**
   * An aborted read settles at once while the engine finishes it in the background on that
   * session's connection, so the session is not given to another read: it is closed (chDB
   * defers the native close until the query ends; closing under a running query would
   * abort the engine) and a fresh session takes its place.
   */
  const retire = (s: Session): void => {
    s.close();
    if (closed) return;
    try {
      release(open());
    } catch {
      // The pool runs one session short; reads still get the others.
    }
  };

  async function read(req: ReadRequest): Promise<RawRow[]> {
    const t0 = performance.now();
    const s = await acquire(req.signal);
    let result: ChdbResult;
    try {
      result = await s.queryBindAsync(req.sql, req.params, {
        format: 'JSONEachRow',
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') retire(s);
      else release(s);
      throw asClientError(e);
    }
    release(s);
    const t1 = performance.now();
    const rows = parseJsonEachRow(result.text());
    if (opts.onStats) {
      opts.onStats(
        {
          engineMs: result.elapsed * 1000,
          wallMs: t1 - t0,
          parseMs: performance.now() - t1,
          rowsRead: result.rowsRead,
          bytesRead: result.bytesRead,
        },
        req,
      );
    }
    return rows;
  }

  return {
    rows(req) {
      const p = read(req);
      const tracked = p.then(
        () => {},
        () => {},
      );
      inflight.add(tracked);
      void tracked.then(() => inflight.delete(tracked));
      return p;
    },
    /**
     * Refuses new reads, lets the running ones finish (each ends within max_execution_time),
     * then closes the sessions: before the client closes its own (src/services.ts).
     */
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters.splice(0)) w.reject(new ReaderClosed());
      await Promise.all([...inflight]);
      for (const s of idle.splice(0)) s.close();
    },
  };
}

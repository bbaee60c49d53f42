import path from 'node:path';
import type { ClickHouseClient } from '../../src/store/clickhouse/client.ts';
import { runNode, type ServerProcess, startServerProcess } from '../helpers/server.ts';

/** A fixed past instant (whole hour) so timestamps are never "in the future". */
export const BASE_MS = Math.floor((Date.now() - 6 * 3600_000) / 3600_000) * 3600_000;
export const MIN = 60_000;

export const iso = (ms: number): string => new Date(ms).toISOString();

let counter = 0;
/** A unique suffix per call so tests in one file never share bots or ids. */
export const uniq = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

export interface MessageOpts {
  team: string;
  bot: string;
  user?: string;
  at?: number;
  id?: string;
  channel?: string;
  conversation?: string;
  version?: 'LIVE' | 'DRAFT';
}

/** A user text message with an intent. */
export function message(o: MessageOpts): Record<string, unknown> {
  return {
    ...(o.id !== undefined ? { id: o.id } : {}),
    type: 'message',
    timestamp: iso(o.at ?? BASE_MS),
    team_id: o.team,
    bot_id: o.bot,
    version: o.version ?? 'LIVE',
    user_id: o.user ?? 'u1',
    ...(o.conversation !== undefined ? { conversation_id: o.conversation } : {}),
    channel_type: o.channel ?? 'web',
    language: 'en',
    direction: 'user',
    kind: 'text',
    intent: 'greet',
    confidence: 0.9,
  };
}

/** `n` messages with ids `${prefix}-0..n-1`, one second apart. */
export function messages(n: number, o: MessageOpts & { idPrefix: string }): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    message({ ...o, id: `${o.idPrefix}-${i}`, at: (o.at ?? BASE_MS) + i * 1000 }),
  );
}

export interface StoredRow {
  id: string;
  type: string;
  ts: string;
  user_id: string;
  conversation_id: string;
  channel_type: string;
  intent: string;
  has_intent: number;
}

const ROW_SQL = `SELECT id, type, ts, user_id, conversation_id, channel_type, intent, has_intent
  FROM events WHERE bot_id = {b:String} ORDER BY ts, seq`;

/** The stored rows of one bot, straight from the analytics store. */
export async function storedRows(ch: ClickHouseClient, bot: string): Promise<StoredRow[]> {
  const res = await ch.query({ query: ROW_SQL, query_params: { b: bot }, format: 'JSONEachRow' });
  return res.json<StoredRow>();
}

// chDB binds one data dir per process, so a stopped child server's data dir is read
// from yet another child process.
const QUERY_SCRIPT = `
import { createAnalyticsClient } from './src/store/clickhouse/client.ts';
const [dir, bot] = process.argv.slice(-2);
const ch = createAnalyticsClient({ dataDir: dir + '/clickhouse', queryTimeoutSeconds: 60 });
const res = await ch.query({ query: process.env.Q_SQL, query_params: { b: bot }, format: 'JSONEachRow' });
process.stdout.write(JSON.stringify(await res.json()));
await ch.close();
`;

/** Rows of one bot in the data dir of a STOPPED server process. */
export async function storedRowsOffline(dataDir: string, bot: string): Promise<StoredRow[]> {
  const out = await runNode(
    ['--import', 'tsx', '--input-type=module', '-e', QUERY_SCRIPT, '--', path.resolve(dataDir), bot],
    { Q_SQL: ROW_SQL },
  );
  return JSON.parse(out) as StoredRow[];
}

/** id → number of stored rows with it. */
export function countById(rows: readonly { id: string }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.id, (m.get(r.id) ?? 0) + 1);
  return m;
}

export const ndjson = (events: readonly object[]): string => events.map((e) => JSON.stringify(e)).join('\n');

/**
 * Starts server processes and remembers them, so a failing test cannot leak a child
 * (its open pipes would keep the test runner alive): call `stopAll` in `after`.
 */
export function processPool() {
  const started: ServerProcess[] = [];
  return {
    start: async (dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> => {
      const p = await startServerProcess(dataDir, env);
      started.push(p);
      return p;
    },
    stopAll: async (): Promise<void> => {
      await Promise.all(
        started.map((p) => (p.child.exitCode === null && p.child.signalCode === null ? p.kill9() : undefined)),
      );
    },
  };
}

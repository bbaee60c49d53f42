/**
 * The crash loops' root case in isolation: a committed batch inserted into ClickHouse twice
 * (the flush inserted it, the process died before deleting its outbox row, a mover inserted it
 * again under the same token) must be stored once — in `events` and in the conversation table
 * its materialized view fills — on the embedded engine and through CLICKHOUSE_URL alike.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import type { StoredEvent } from '../../src/ingest/event.ts';
import { insertBatch } from '../../src/ingest/outbox.ts';
import { toRow } from '../../src/ingest/rows.ts';
import { validateEvents } from '../../src/ingest/validate.ts';
import { type ClickHouseClient, createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { migrateAnalytics } from '../../src/store/clickhouse/migrate.ts';
import { type ClickHouseLocalProcess, spawnClickHouseLocal } from '../helpers/clickhouse-local.ts';
import { tempDir } from '../helpers/server.ts';

const dirs: string[] = [];
let local: ClickHouseLocalProcess | undefined;
after(async () => {
  await local?.kill9();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function payloadOf(bot: string): { payload: string; n: number } {
  const now = Date.now();
  const valid = validateEvents(
    Array.from({ length: 5 }, (_, i) => ({
      id: `twice-${i}`,
      type: 'message',
      timestamp: new Date(now - 60_000 + i * 1000).toISOString(),
      team_id: 'team-twice',
      bot_id: bot,
      version: 'LIVE',
      user_id: 'u1',
      channel_type: 'web',
      direction: 'user',
      kind: 'text',
      intent: 'hi',
    })),
  );
  if (!valid.ok) throw new Error('events did not validate');
  const lines = valid.events.map((e, i) => {
    const s = e as StoredEvent;
    s.seq = now * 1000 + i;
    s.ingestedAtMs = now;
    s.conversationId = 'sess_twice';
    return JSON.stringify(toRow(s));
  });
  return { payload: lines.join('\n'), n: lines.length };
}

async function count(ch: ClickHouseClient, q: string, bot: string): Promise<number> {
  const [row] = await (await ch.query({ query: q, query_params: { b: bot }, format: 'JSONEachRow' })).json<{
    n: number;
  }>();
  return Number(row?.n ?? -1);
}

async function check(ch: ClickHouseClient, label: string): Promise<void> {
  await migrateAnalytics(ch);
  const bot = `bot-twice-${label}`;
  const { payload, n } = payloadOf(bot);
  await insertBatch(ch, 'batch-twice-1', payload);
  await insertBatch(ch, 'batch-twice-1', payload);
  const events = await count(ch, 'SELECT count() AS n FROM events WHERE bot_id = {b:String}', bot);
  const messages = await count(
    ch,
    'SELECT sum(event_count) AS n FROM conversation_summary FINAL WHERE bot_id = {b:String}',
    bot,
  );
  assert.deepEqual({ events, messages }, { events: n, messages: n }, `${label}: the batch inserted twice`);
}

test('a batch inserted twice under its token is stored once (embedded chDB)', async () => {
  const dir = tempDir('cla-twice-');
  dirs.push(dir);
  const ch = createAnalyticsClient({ dataDir: dir, queryTimeoutSeconds: 60 });
  try {
    await check(ch, 'embedded');
  } finally {
    await ch.close();
  }
});

test('a batch inserted twice under its token is stored once (CLICKHOUSE_URL, clickhouse:local)', async () => {
  local = await spawnClickHouseLocal();
  dirs.push(local.dataPath);
  const unused = tempDir('cla-twice-url-');
  dirs.push(unused);
  const ch = createAnalyticsClient({ url: local.url, dataDir: unused, queryTimeoutSeconds: 60 });
  try {
    await check(ch, 'url');
  } finally {
    await ch.close();
  }
});

/**
 * The `CLICKHOUSE_URL` path against `clickhouse:local` (ClickHouse's HTTP interface on chDB,
 * test/fixtures/clickhouse-local): the client's protocol subset directly, then the whole
 * service over HTTP giving the same answers as the embedded default for the same events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { type ClickHouseLocalProcess, spawnClickHouseLocal } from '../helpers/clickhouse-local.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let fixture: ClickHouseLocalProcess;
let url: string;

before(async () => {
  fixture = await spawnClickHouseLocal();
  url = fixture.url;
});
after(async () => {
  await fixture?.stop();
});
describe('clickhouse:local speaks the HTTP subset @clickhouse/client uses', () => {
  let ch: ClickHouseClient;
  before(() => {
    // Errors are expected below: keep the client's own error log quiet.
    ch = createClient({ url, compression: { request: true, response: true }, log: { level: ClickHouseLogLevel.OFF } });
  });
  after(async () => {
    await ch.close();
  });

  test('ping, DDL, insert, server-side parameters, settings and formats', async () => {
    assert.equal((await ch.ping()).success, true);
    await ch.command({
      query: 'CREATE TABLE t (id UInt32, name String, tags Array(String)) ENGINE = MergeTree ORDER BY id',
    });
    await ch.insert({
      table: 't',
      values: [
        { id: 1, name: 'o\'brien, "quoted"\nline', tags: ['a', 'b'] },
        { id: 2, name: 'plain', tags: [] },
      ],
      format: 'JSONEachRow',
    });
    const rows = await (
      await ch.query({
        query:
          'SELECT id, name, tags FROM t WHERE id >= {min:UInt32} AND has({want:Array(String)}, name) = 0 ORDER BY id',
        query_params: { min: 1, want: ['x'] },
        format: 'JSONEachRow',
      })
    ).json<{ id: number; name: string; tags: string[] }>();
    assert.deepEqual(rows, [
      { id: 1, name: 'o\'brien, "quoted"\nline', tags: ['a', 'b'] },
      { id: 2, name: 'plain', tags: [] },
    ]);
    const byName = await (
      await ch.query({
        query: 'SELECT count() AS n FROM t WHERE name = {name:String}',
        query_params: { name: 'o\'brien, "quoted"\nline' },
        format: 'JSON',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0, max_execution_time: 5 },
      })
    ).json<{ n: number }>();
    assert.equal(byName.data[0]?.n, 1);
    const csv = await (await ch.query({ query: 'SELECT id FROM t ORDER BY id', format: 'CSV' })).text();
    assert.equal(csv, '1\n2\n');
  });

  test('errors come back as ClickHouseError with the engine code', async () => {
    await assert.rejects(
      ch.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }),
      (e: unknown) => e instanceof ClickHouseError && e.code === '60',
    );
    await assert.rejects(
      ch.query({ query: 'SELEC 1', format: 'JSONEachRow' }),
      (e: unknown) => e instanceof ClickHouseError && e.code === '62',
    );
  });
});

describe('the service over CLICKHOUSE_URL answers as the embedded default', () => {
  let remote: TestServer;
  let embedded: TestServer;
  before(async () => {
    remote = await startTestServer({ clickhouseUrl: url });
    embedded = await startTestServer();
  });
  after(async () => {
    await remote?.close();
    await embedded?.close();
  });

  test('same events in, same answers out (conversations, messages, users, intents, flows)', async () => {
    const base = { team_id: 'tch', bot_id: 'b1', version: 'LIVE', channel_type: 'web' };
    const events = [];
    for (let u = 0; u < 6; u++) {
      for (let i = 0; i < 4; i++) {
        const ts = new Date(Date.UTC(2026, 9, 5 + (u % 3), 9 + u, i)).toISOString();
        events.push({
          ...base,
          id: `m-${u}-${i}`,
          type: 'message',
          direction: 'user',
          kind: 'text',
          intent: i % 2 ? 'faq' : null,
          user_id: `u${u}`,
          timestamp: ts,
        });
        events.push({
          ...base,
          id: `s-${u}-${i}`,
          type: 'step',
          step_id: `s${i}`,
          step_type: 'bot_dialog',
          user_id: `u${u}`,
          timestamp: ts,
        });
      }
    }
    for (const s of [remote, embedded]) {
      const token = await s.token('tch');
      const r = await ingest(s.url, token, events);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      // Retried: duplicates are recognised over HTTP too.
      assert.equal((await ingest(s.url, token, events.slice(0, 4))).status, 200);
    }
    const q = 'version=LIVE&start_time=2026-10-01&end_time=2026-10-10';
    for (const p of [
      `conversations?${q}&bucket=1d`,
      `messages?${q}&bucket=1d`,
      `users?${q}&bucket=1d`,
      `users/activity?${q}`,
      `intents?${q}`,
      `flows?${q}`,
      `flows?${q}&path=s0`,
      `flows/s1?${q}`,
    ]) {
      const a = await api(`${remote.url}/v1/bots/b1/${p}`, await remote.token('tch'));
      const b = await api(`${embedded.url}/v1/bots/b1/${p}`, await embedded.token('tch'));
      assert.equal(a.status, 200, `${p}: ${JSON.stringify(a.body)}`);
      assert.deepEqual(a.body, b.body, p);
    }
  });
});

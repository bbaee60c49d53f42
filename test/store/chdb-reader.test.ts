/**
 * The embedded engine's reader (issue 12): chDB's native sessions give the same rows as
 * @clickhouse/client over chdb/connection for the same SQL and params, abort and time out
 * as the API expects, keep concurrent reads apart, and read fresh data while ingest inserts.
 * Real chDB, one data directory for the file (chDB binds one per process).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClickHouseError } from '@clickhouse/client';
import { mapError } from '../../src/api/error-mapping.ts';
import { chdbReader, DEFAULT_SESSIONS, parseJsonEachRow } from '../../src/store/clickhouse/chdb-reader.ts';
import { type AnalyticsReader, clientReader } from '../../src/store/clickhouse/reader.ts';
import { ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let native: AnalyticsReader;
let client: AnalyticsReader;
let chPath: string;

before(async () => {
  srv = await startTestServer();
  native = srv.services.reader;
  client = clientReader(srv.services.ch);
  chPath = path.resolve(srv.dataDir, 'clickhouse');
});
after(async () => srv.close());

/** The same read through both readers. */
async function both(sql: string, params: Record<string, unknown> = {}) {
  const [a, b] = await Promise.all([
    native.rows({ sql, params, signal: undefined }),
    client.rows({ sql, params, signal: undefined }),
  ]);
  return { native: a, client: b };
}

// A read long enough to abort or time out: ~10^11 hashes, bound so it takes the param path.
const SLOW = 'SELECT sum(cityHash64(number)) AS s FROM numbers({n:UInt64})';

describe('same rows as the client', () => {
  const strings = [
    "o'brien",
    'back\\slash \\n not a newline',
    'tab\there, newline\nthere, cr\rthere',
    '"double" and \'single\' and `back`',
    'unicode: Ünïcødé ✓ 日本語 🤖 \u2028',
    '',
    "'; DROP TABLE events; --",
  ];

  test('the embedded default reads through chDB native sessions', () => {
    assert.notEqual(native, client);
    assert.ok(DEFAULT_SESSIONS >= 1);
  });

  for (const s of strings) {
    test(`String param ${JSON.stringify(s)} round-trips`, async () => {
      const r = await both('SELECT {s:String} AS s, length({s:String}) AS n, {s:String} = {s:String} AS eq', { s });
      assert.deepEqual(r.native, r.client);
      assert.deepEqual(r.native, [{ s, n: Buffer.byteLength(s), eq: 1 }]);
    });
  }

  test('Int64, UInt64, Float64, Array(String), DateTime64, Nullable, LowCardinality', async () => {
    const r = await both(
      `SELECT {i:Int64} AS i, {i:Int64} * 2 AS i2, toUInt64({u:UInt64}) AS u, count() AS c,
              {f:Float64} AS f, {f:Float64} / 3 AS f3,
              {a:Array(String)} AS a, length({a:Array(String)}) AS an, has({a:Array(String)}, {s:String}) AS has_s,
              fromUnixTimestamp64Milli({ms:Int64}) AS ts, toDateTime64('2026-03-29 01:30:00.250', 3, 'Europe/Brussels') AS local_ts,
              toDate(fromUnixTimestamp64Milli({ms:Int64})) AS d,
              CAST(NULL, 'Nullable(String)') AS nothing, toLowCardinality({s:String}) AS lc
       FROM numbers(3)`,
      {
        i: -9_007_199_254_740_991,
        u: 9_007_199_254_740_991,
        f: 0.1,
        a: ['x', "o'brien", 'back\\slash', 'ünï', ''],
        s: "o'brien",
        ms: 1_764_547_200_123,
      },
    );
    assert.deepEqual(r.native, r.client);
    assert.deepEqual(r.native, [
      {
        i: -9_007_199_254_740_991,
        i2: -18_014_398_509_481_982,
        u: 9_007_199_254_740_991,
        c: 3,
        f: 0.1,
        f3: 0.1 / 3,
        a: ['x', "o'brien", 'back\\slash', 'ünï', ''],
        an: 5,
        has_s: 1,
        ts: '2025-12-01T00:00:00.123Z',
        local_ts: '2026-03-29T00:30:00.250Z',
        d: '2025-12-01',
        nothing: null,
        lc: "o'brien",
      },
    ]);
  });

  test('many rows, no rows, and a GROUP BY over the events table', async () => {
    const many = await both('SELECT number AS n, toString(number) AS s FROM numbers({k:UInt32}) ORDER BY n', {
      k: 20_000,
    });
    assert.equal(many.native.length, 20_000);
    assert.deepEqual(many.native, many.client);
    const none = await both('SELECT 1 AS x FROM numbers(10) WHERE number > {k:UInt32}', { k: 100 });
    assert.deepEqual(none, { native: [], client: [] });
    const grouped = await both(
      'SELECT type, count() AS n FROM events WHERE team_id = {team:String} GROUP BY type ORDER BY type',
      { team: 'nobody' },
    );
    assert.deepEqual(grouped.native, grouped.client);
  });

  test('parseJsonEachRow reads what the engine writes', () => {
    assert.deepEqual(parseJsonEachRow(''), []);
    assert.deepEqual(parseJsonEachRow('{"a":1}\n'), [{ a: 1 }]);
    assert.deepEqual(parseJsonEachRow('{"a":"x\\ny"}\n{"a":"z"}\n'), [{ a: 'x\ny' }, { a: 'z' }]);
  });
});

describe('errors, aborts and time limits', () => {
  test('bad SQL rejects as a ClickHouseError and maps to 500 without its text', async () => {
    const err = await native.rows({ sql: 'SELEC {x:UInt8}', params: { x: 1 }, signal: undefined }).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClickHouseError, String(err));
    assert.equal(err.code, '62');
    assert.equal(err.type, 'SYNTAX_ERROR');
    const mapped = mapError(err);
    assert.equal(mapped.status, 500);
    assert.doesNotMatch(JSON.stringify(mapped.toBody()), /SELEC/);
  });

  test('an already aborted signal rejects without running', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(native.rows({ sql: SLOW, params: { n: 1e11 }, signal: ac.signal }), { name: 'AbortError' });
  });

  test('an abort mid-read rejects at once, and the reader keeps answering', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = native.rows({ sql: SLOW, params: { n: 3e8 }, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, { name: 'AbortError' });
    assert.ok(Date.now() - t0 < 2000, `abort took ${Date.now() - t0} ms`);
    // Every session (the aborted one replaced) still answers, each its own read.
    const got = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        native.rows({ sql: 'SELECT {i:UInt8} AS i', params: { i }, signal: undefined }),
      ),
    );
    assert.deepEqual(
      got.map((r) => r[0]?.i),
      [0, 1, 2, 3, 4, 5],
    );
  });

  test('a read past max_execution_time maps to 504 {code: 4}', async () => {
    const quick = chdbReader({ path: chPath, queryTimeoutSeconds: 1 });
    try {
      const err = await quick.rows({ sql: SLOW, params: { n: 1e11 }, signal: undefined }).then(
        () => assert.fail('should time out'),
        (e: unknown) => e,
      );
      const mapped = mapError(err);
      assert.equal(mapped.status, 504, String(err));
      assert.equal(mapped.toBody().code, 4);
      // The limit is the session's: the shared reader's sessions (30 s) are not touched.
      const [row] = await native.rows({
        sql: "SELECT getSetting('max_execution_time') AS t",
        params: {},
        signal: undefined,
      });
      assert.equal(row?.t, srv.services.config.queryTimeoutSeconds);
    } finally {
      await quick.close();
    }
  });

  test('closing right after an abort neither hangs nor takes the engine down', async () => {
    // The aborted read keeps running in the engine (up to this reader's 2 s limit) after
    // close(): chDB must defer that session's native close behind it.
    const r = chdbReader({ path: chPath, queryTimeoutSeconds: 2, sessions: 1 });
    const ac = new AbortController();
    const p = r.rows({ sql: SLOW, params: { n: 1e11 }, signal: ac.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    const t0 = Date.now();
    await r.close();
    assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.deepEqual(await native.rows({ sql: 'SELECT {x:String} AS x', params: { x: 'alive' }, signal: undefined }), [
      { x: 'alive' },
    ]);
  });

  test('close waits for running reads, then refuses new ones', async () => {
    const r = chdbReader({ path: chPath, queryTimeoutSeconds: 30, sessions: 1 });
    const running = r.rows({
      sql: 'SELECT count() AS c FROM numbers({n:UInt64})',
      params: { n: 5e7 },
      signal: undefined,
    });
    const queued = r.rows({ sql: 'SELECT {x:UInt8} AS x', params: { x: 1 }, signal: undefined });
    const closing = r.close();
    assert.deepEqual(await running, [{ c: 5e7 }]);
    await assert.rejects(queued, /closed/);
    await closing;
    await assert.rejects(r.rows({ sql: 'SELECT 1', params: {}, signal: undefined }), /closed/);
  });
});

describe('concurrency', () => {
  test('concurrent reads on the pool each get their own result', async () => {
    const n = 40;
    const got = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        native.rows({
          sql: 'SELECT {i:Int64} AS i, {s:String} AS s, {a:Array(String)} AS a FROM numbers({k:UInt32})',
          params: { i, s: `v-${i}'\\`, a: [`${i}`], k: (i % 3) + 1 },
          signal: undefined,
        }),
      ),
    );
    for (const [i, rows] of got.entries()) {
      assert.equal(rows.length, (i % 3) + 1);
      for (const r of rows) assert.deepEqual(r, { i, s: `v-${i}'\\`, a: [`${i}`] });
    }
  });

  test('reads while ingest inserts run see every acknowledged event once flushed', async () => {
    const token = await srv.token('team-rw');
    const batches = 12;
    const perBatch = 50;
    let done = false;
    const counts: number[] = [];
    const count = async () => {
      const [r] = await native.rows({
        sql: "SELECT count() AS n FROM events WHERE team_id = {team:String} AND type = 'message'",
        params: { team: 'team-rw' },
        signal: undefined,
      });
      return Number(r?.n);
    };
    const reading = (async () => {
      while (!done) counts.push(await count());
    })();
    for (let b = 0; b < batches; b++) {
      const events = Array.from({ length: perBatch }, (_, k) => ({
        team_id: 'team-rw',
        bot_id: 'bot-rw',
        version: 'LIVE',
        type: 'message',
        direction: 'user',
        kind: 'text',
        user_id: `u${k % 7}`,
        timestamp: new Date(Date.UTC(2026, 10, 1, 0, b, k)).toISOString(),
      }));
      const res = await ingest(srv.url, token, events);
      assert.ok(res.status < 300, JSON.stringify(res.body));
    }
    await srv.services.writer.drain();
    done = true;
    await reading;
    assert.ok(counts.length > 0);
    for (let i = 1; i < counts.length; i++) assert.ok((counts[i] ?? 0) >= (counts[i - 1] ?? 0), `counts ${counts}`);
    // Fresh: no cache between the last insert and this read.
    assert.equal(await count(), batches * perBatch);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { IngestError, postBatches, readNdjsonFile } from '../../src/cli/http-ingest.ts';

interface Received {
  headers: IncomingHttpHeaders;
  lines: string[];
  bytes: number;
  status: number;
}

/** What the fake answers to its n-th request (0-based): a status with headers/body, or a dropped socket. */
type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

/**
 * A fake ingest receiver on 127.0.0.1 (not the product): records every request and answers as
 * `script` says; 200 answers ack the NDJSON lines it got, as the real server does.
 */
async function fakeServer(script: (n: number) => Reply | undefined, delayMs = 0) {
  const received: Received[] = [];
  const load = { now: 0, max: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    load.max = Math.max(load.max, ++load.now);
    res.on('close', () => load.now--);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const text = Buffer.concat(chunks).toString('utf8');
      const reply = script(received.length) ?? { status: 200 };
      const lines = text.split('\n').filter((l) => l !== '');
      received.push({
        headers: req.headers,
        lines,
        bytes: Buffer.byteLength(text),
        status: reply === 'drop' ? 0 : reply.status,
      });
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      const body = reply.body ?? (reply.status === 200 ? { accepted: lines.length, duplicates: 0 } : {});
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    load,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ type: 'kb_query', id: `e${from + i}`, answered: true }));

test('retries a 503, honours Retry-After on 429, sends NDJSON with the token', async () => {
  const fake = await fakeServer((n) =>
    n === 0 ? { status: 503 } : n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined,
  );
  try {
    const progress: number[][] = [];
    const started = Date.now();
    const totals = await postBatches([events(10), events(10, 10), events(10, 20)], {
      baseUrl: `${fake.baseUrl}/`,
      token: 'tok:secret',
      concurrency: 1,
      baseDelayMs: 20,
      onProgress: (...counts) => progress.push(counts),
    });
    assert.deepEqual(totals, { sent: 30, accepted: 30, duplicates: 0 });
    assert.deepEqual(progress, [
      [10, 10, 0],
      [20, 20, 0],
      [30, 30, 0],
    ]);
    assert.deepEqual(
      fake.received.map((r) => r.status),
      [503, 429, 200, 200, 200],
    );
    assert.ok(Date.now() - started >= 1000, 'waited the Retry-After second');
    const stored = fake.received.filter((r) => r.status === 200).flatMap((r) => r.lines.map((l) => JSON.parse(l).id));
    assert.deepEqual(
      stored,
      events(30).map((e) => e.id),
    );
    for (const r of fake.received) {
      assert.equal(r.headers['content-type'], 'application/x-ndjson');
      assert.equal(r.headers.authorization, 'Bearer tok:secret');
    }
  } finally {
    await fake.close();
  }
});

test('retries a dropped connection and sums duplicates', async () => {
  const fake = await fakeServer((n) => (n === 0 ? 'drop' : { status: 200, body: { accepted: 3, duplicates: 2 } }));
  try {
    const totals = await postBatches([events(5)], { baseUrl: fake.baseUrl, token: 't', baseDelayMs: 10 });
    assert.deepEqual(totals, { sent: 5, accepted: 3, duplicates: 2 });
    assert.equal(fake.received.length, 2);
  } finally {
    await fake.close();
  }
});

test('a 400 is fatal: no retry, and the error shows the JSON body', async () => {
  const error = { code: 3, message: 'event 1: timestamp is more than 5 min in the future', details: [{ index: 1 }] };
  const fake = await fakeServer(() => ({ status: 400, body: error }));
  try {
    await assert.rejects(
      postBatches(
        (async function* () {
          yield events(4);
          yield events(4, 4);
        })(),
        { baseUrl: fake.baseUrl, token: 't', concurrency: 1 },
      ),
      (err: unknown) => {
        assert.ok(err instanceof IngestError);
        assert.equal(err.status, 400);
        assert.deepEqual(err.body, error);
        assert.match(err.message, /HTTP 400/);
        assert.match(err.message, /timestamp is more than 5 min in the future/);
        return true;
      },
    );
    assert.equal(fake.received.length, 1, 'neither retried nor continued');
  } finally {
    await fake.close();
  }
});

test('gives up after maxAttempts of 5xx', async () => {
  const fake = await fakeServer(() => ({ status: 500, body: { code: 13, message: 'boom' } }));
  try {
    await assert.rejects(
      postBatches([events(2)], { baseUrl: fake.baseUrl, token: 't', maxAttempts: 3, baseDelayMs: 5 }),
      /after 3 attempts: HTTP 500.*boom/,
    );
    assert.equal(fake.received.length, 3);
  } finally {
    await fake.close();
  }
});

test('splits batches over 50,000 events or 10 MiB, with requests in flight', async () => {
  const fake = await fakeServer(() => undefined);
  try {
    const big = 'x'.repeat(4 * 1024 * 1024);
    const huge = [0, 1, 2].map((i) => ({ type: 'tracking', id: `big${i}`, attributes: { blob: big } }));
    const totals = await postBatches([events(60_000), huge], { baseUrl: fake.baseUrl, token: 't', concurrency: 4 });
    assert.deepEqual(totals, { sent: 60_003, accepted: 60_003, duplicates: 0 });
    const sizes = fake.received.map((r) => r.lines.length).sort((a, b) => a - b);
    assert.deepEqual(sizes, [1, 2, 10_000, 50_000]);
    for (const r of fake.received) assert.ok(r.bytes < 10 * 1024 * 1024, `${r.bytes} bytes`);
  } finally {
    await fake.close();
  }
});

test('keeps `concurrency` requests in flight, no more', async () => {
  const fake = await fakeServer(() => undefined, 40);
  try {
    const batches = Array.from({ length: 12 }, (_, i) => events(3, i * 3));
    const totals = await postBatches(batches, { baseUrl: fake.baseUrl, token: 't', concurrency: 3 });
    assert.equal(totals.accepted, 36);
    assert.equal(fake.load.max, 3);
  } finally {
    await fake.close();
  }
});

test('readNdjsonFile streams batches, skips blank lines, names the malformed line', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ndjson-'));
  try {
    const good = path.join(dir, 'good.ndjson');
    await writeFile(good, '{"a":1}\r\n\n{"a":2}\n   \n{"a":3}\n{"a":4}\n{"a":5}');
    const batches: object[][] = [];
    for await (const batch of readNdjsonFile(good, 2)) batches.push(batch);
    assert.deepEqual(batches, [[{ a: 1 }, { a: 2 }], [{ a: 3 }, { a: 4 }], [{ a: 5 }]]);

    const bad = path.join(dir, 'bad.ndjson');
    await writeFile(bad, '{"a":1}\n\n{"a":2}\n{"a":\n');
    await assert.rejects(async () => {
      for await (const _ of readNdjsonFile(bad, 100)) {
        // drain
      }
    }, /line 4/);
    const notObject = path.join(dir, 'array.ndjson');
    await writeFile(notObject, '[1,2]\n');
    await assert.rejects(readNdjsonFile(notObject, 10).next(), /line 1: expected a JSON object/);

    // The file flows straight into the client.
    const fake = await fakeServer(() => undefined);
    try {
      const totals = await postBatches(readNdjsonFile(good, 2), { baseUrl: fake.baseUrl, token: 't' });
      assert.deepEqual(totals, { sent: 5, accepted: 5, duplicates: 0 });
    } finally {
      await fake.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

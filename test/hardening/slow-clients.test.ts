import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertEnvelope, parseResponse, portOf, rawRequest } from '../helpers/raw-http.ts';
import { cliToken, type ServerProcess, startServerProcess, tempDir } from '../helpers/server.ts';

// Issue 9 "slow clients hold sockets forever": header, body and idle keep-alive timeouts
// and a per-address connection cap, with small values so the test is quick.
const HEADERS_S = 1;
const REQUEST_S = 2;
const IDLE_S = 0.5;
const CAP = 12;

interface Tracked {
  socket: net.Socket;
  closedAfterMs: Promise<number>;
  received: () => string;
}

/** Opens a socket and records when the server closes it and what it sent. */
function open(port: number): Tracked {
  const socket = net.connect(port, '127.0.0.1');
  const t0 = Date.now();
  let data = '';
  socket.on('data', (d: Buffer) => {
    data += d.toString('latin1');
  });
  const closedAfterMs = new Promise<number>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Date.now() - t0));
  });
  return { socket, closedAfterMs, received: () => data };
}

/** Writes `text` one byte every `everyMs`, for as long as the socket is open. */
function dribble(t: Tracked, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (t.socket.destroyed || t.socket.writableEnded || i >= text.length) return clearInterval(timer);
    t.socket.write(text[i++] ?? '');
  }, everyMs);
  t.socket.once('close', () => clearInterval(timer));
}

describe('HTTP edge: slow clients', () => {
  let srv: ServerProcess;
  let token: string;
  let port: number;

  before(async () => {
    const dir = tempDir();
    token = await cliToken(dir, 'team-slow');
    srv = await startServerProcess(dir, {
      HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
      HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_S),
      HTTP_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
      HTTP_CONNECTIONS_PER_CLIENT: String(CAP),
    });
    port = portOf(srv.url);
  });
  after(async () => {
    await srv?.stop();
  });

  test('slow headers, slow bodies, silent and idle sockets are closed in time; others are served meanwhile', async () => {
    const slowHeaders = Array.from({ length: 3 }, () => open(port));
    for (const t of slowHeaders)
      dribble(t, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`, 100);
    const slowBodies = Array.from({ length: 3 }, () => open(port));
    for (const t of slowBodies) {
      t.socket.write(
        `POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n`,
      );
      dribble(t, ' '.repeat(1000), 100);
    }
    const silent = open(port);
    const idle = open(port);
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

    // A normal client is answered quickly while the slow ones hold their sockets.
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      const res = await fetch(`${srv.url}/healthz`);
      assert.equal(res.status, 200);
      await res.text();
      latencies.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(Math.max(...latencies) < 1000, `healthz latencies ${latencies.join(',')} ms`);

    // Bounds: the configured time plus Node's check interval and a loaded CI machine's slack.
    const slack = 2000;
    for (const t of slowHeaders) {
      const ms = await t.closedAfterMs;
      assert.ok(ms < HEADERS_S * 1000 + slack, `slow headers closed after ${ms} ms`);
      assertEnvelope(parseResponse(t.received(), 'end'), 408, 4, 'slow headers');
    }
    for (const t of slowBodies) {
      const ms = await t.closedAfterMs;
      assert.ok(ms < REQUEST_S * 1000 + slack, `slow body closed after ${ms} ms`);
      assert.ok(ms >= HEADERS_S * 1000 - 100, `slow body closed too early (${ms} ms)`);
      assertEnvelope(parseResponse(t.received(), 'end'), 408, 4, 'slow body');
    }
    const silentMs = await silent.closedAfterMs;
    assert.ok(silentMs < HEADERS_S * 1000 + slack, `silent socket closed after ${silentMs} ms`);
    assertEnvelope(parseResponse(silent.received(), 'end'), 408, 4, 'silent');
    const idleMs = await idle.closedAfterMs;
    assert.match(idle.received(), /^HTTP\/1\.1 200 /);
    assert.ok(idleMs < IDLE_S * 1000 + slack, `idle keep-alive socket closed after ${idleMs} ms`);
  });

  test('over the per-address connection cap a new connection gets 429 {code: 8} with Retry-After', async () => {
    const held = Array.from({ length: CAP }, () => open(port));
    await Promise.all(held.map((t) => new Promise((r) => t.socket.once('connect', r))));
    await new Promise((r) => setTimeout(r, 100));
    const res = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assertEnvelope(res, 429, 8, 'over the cap');
    assert.ok(Number(res.headers['retry-after']) >= 1, `Retry-After ${res.headers['retry-after']}`);
    assert.equal(res.headers.connection, 'close');
    for (const t of held) t.socket.destroy();
    await Promise.all(held.map((t) => t.closedAfterMs));
    await new Promise((r) => setTimeout(r, 100));
    const again = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(again.status, 200);
  });
});

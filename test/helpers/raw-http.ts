import assert from 'node:assert/strict';
import net from 'node:net';
import type { TestServer } from './server.ts';

// Raw-socket helpers for the HTTP edge tests: fetch hides what the server does with
// malformed requests, early answers and closed connections; a socket shows it.

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Every byte the server sent, in order (e.g. to spot an interim `100 Continue`). */
  raw: string;
  /** How the connection ended: the server closed it (`end`), or a socket error. */
  ended: 'end' | 'error' | 'timeout';
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Parses the last response of a raw HTTP/1.1 exchange (interim 1xx answers skipped). */
export function parseResponse(raw: string, ended: RawResponse['ended']): RawResponse {
  let rest = raw;
  for (;;) {
    const head = rest.indexOf('\r\n\r\n');
    assert.ok(head > 0, `no complete response head in ${JSON.stringify(raw.slice(0, 300))}`);
    const lines = rest.slice(0, head).split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    rest = rest.slice(head + 4);
    if (status >= 100 && status < 200) continue;
    const len = Number(headers['content-length'] ?? rest.length);
    return { status, headers, body: rest.slice(0, len), raw, ended };
  }
}

/**
 * Opens a socket, lets `drive` write to it, and collects everything the server sends
 * until it closes the connection (or `timeoutMs` passes).
 */
export function rawExchange(
  port: number,
  drive: (socket: net.Socket) => void,
  timeoutMs = 5000,
): Promise<{ raw: string; ended: RawResponse['ended'] }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    let done = false;
    const finish = (ended: RawResponse['ended']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ raw, ended });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
    });
    socket.on('end', () => finish('end'));
    socket.on('error', () => finish('error'));
    socket.on('connect', () => drive(socket));
  });
}

/** Sends `request` as is and parses the answer. */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const { raw, ended } = await rawExchange(port, (s) => s.write(request), timeoutMs);
  return parseResponse(raw, ended);
}

export interface Envelope {
  code: number;
  message: string;
  details: unknown[];
}

/** Asserts a complete JSON envelope answer with the given status and gRPC code. */
export function assertEnvelope(
  res: { status: number; body: unknown },
  status: number,
  code: number,
  what = '',
): Envelope {
  assert.equal(res.status, status, `${what}: status (body ${JSON.stringify(res.body)})`);
  const env = (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as Envelope;
  assert.deepEqual(Object.keys(env).sort(), ['code', 'details', 'message'], `${what}: envelope keys`);
  assert.equal(env.code, code, `${what}: gRPC code`);
  assert.equal(typeof env.message, 'string', what);
  assert.ok(Array.isArray(env.details), what);
  return env;
}

/** Rows in the stores that a bad request must never change. */
export async function storedCounts(srv: TestServer): Promise<{ events: number; bots: number }> {
  const [row] = await (
    await srv.services.ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
  ).json<{ n: number | string }>();
  const bots = await srv.services.db
    .selectFrom('bots')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return { events: Number(row?.n ?? 0), bots: Number(bots?.n ?? 0) };
}

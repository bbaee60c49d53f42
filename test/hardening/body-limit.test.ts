import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_BODY_BYTES } from '../../src/ingest/parse.ts';
import { BASE_MS, iso, message } from '../foundation/fixtures.ts';
import { assertEnvelope, parseResponse, portOf, rawExchange } from '../helpers/raw-http.ts';
import { api, cliToken, type ServerProcess, startServerProcess, tempDir } from '../helpers/server.ts';

// Issue 9 F7: an over-limit body is refused on its Content-Length before it is read,
// and the client can read the 413: no `100 Continue` first, and the server keeps
// draining what the client still sends before it closes, so no EPIPE/ECONNRESET.
// The server runs as its own process: in-process, client and server share one event
// loop and the server never closes while the client is still writing (the race hides).
describe('HTTP edge: over-limit bodies', () => {
  let srv: ServerProcess;
  let token: string;
  let port: number;
  const team = 'team-body';
  const bot = 'bot-over-limit';
  const JSON_LIMIT = 1024 * 1024;
  const range = `version=LIVE&start_time=${iso(BASE_MS - 86400_000).slice(0, 10)}&end_time=${iso(BASE_MS + 2 * 86400_000).slice(0, 10)}`;

  /** A body holding one valid event, padded past `limit`: stored only if it were read. */
  const padded = (limit: number): Buffer => {
    const line = Buffer.from(`${JSON.stringify(message({ team, bot }))}\n`);
    return Buffer.concat([line, Buffer.alloc(limit + 1 - line.length, 0x20)]);
  };
  /** Nothing stored: the event's bot was never claimed, so reading it is a 404. */
  const assertNothingStored = async () => {
    const res = await api(`${srv.url}/v1/bots/${bot}/messages?${range}`, token);
    assertEnvelope(res, 404, 5, 'bot of the refused body');
  };

  before(async () => {
    const dir = tempDir();
    token = await cliToken(dir, team);
    srv = await startServerProcess(dir);
    port = portOf(srv.url);
  });
  after(async () => {
    await srv?.stop();
  });

  test("10 MiB + 1 byte with Node's fetch: 10 tries in a row all read the 413 envelope", async () => {
    const body = padded(MAX_BODY_BYTES);
    assert.equal(body.length, MAX_BODY_BYTES + 1);
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${srv.url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: new Uint8Array(body),
      });
      assertEnvelope({ status: res.status, body: await res.text() }, 413, 8, `try ${i}`);
    }
    const json = await fetch(`${srv.url}/v1/bots/b1/events/definitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: new Uint8Array(padded(JSON_LIMIT)),
    });
    assertEnvelope({ status: json.status, body: await json.text() }, 413, 8, 'JSON route');
    await assertNothingStored();
  });

  const head = (length: number, auth = true, path = '/v1/ingest') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: Bearer ${token}\r\n` : ''}Content-Type: application/x-ndjson\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

  test('Expect: 100-continue over the limit or without a token: the final answer, never 100 Continue', async () => {
    for (const [what, request, status, code] of [
      ['over the limit', head(MAX_BODY_BYTES + 1), 413, 8],
      ['no token', head(10, false), 401, 16],
    ] as const) {
      // A client that waits for 100 Continue before sending its body.
      const { raw, ended } = await rawExchange(port, (s) => s.write(request));
      assert.doesNotMatch(raw, /100 Continue/, what);
      const res = parseResponse(raw, ended);
      assertEnvelope(res, status, code, what);
      assert.equal(res.headers.connection, 'close', what);
    }
    // A client that sends the body anyway (curl does after a second) still reads the 413.
    const { raw, ended } = await rawExchange(port, (s) => {
      s.write(head(MAX_BODY_BYTES + 1));
      s.write(padded(MAX_BODY_BYTES), () => undefined);
    });
    assert.doesNotMatch(raw, /100 Continue/);
    assertEnvelope(parseResponse(raw, ended), 413, 8, 'body sent anyway');
    await assertNothingStored();
  });

  test('Expect: 100-continue within the limit with a token gets 100 Continue, then the answer', async () => {
    const body = '{"type":"nope"}';
    const { raw, ended } = await rawExchange(port, (s) => {
      s.write(head(body.length).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
      s.once('data', () => s.write(body));
    });
    assert.match(raw, /^HTTP\/1\.1 100 Continue\r\n/);
    assertEnvelope(parseResponse(raw, ended), 400, 3, 'invalid event');
  });

  test('a chunked body that goes over the limit ends in a 413 the client can read', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const { raw, ended } = await rawExchange(port, (s) => {
      s.write(
        `POST /v1/bots/b1/events/definitions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      // 2 MiB in 64 KiB chunks, past the JSON routes' 1 MiB limit; keep sending like a
      // client that does not look at the answer before it is done.
      let sent = 0;
      const pump = () => {
        while (sent < 2 * JSON_LIMIT && !s.destroyed) {
          sent += chunk.length;
          const ok = s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
          if (!ok) return void s.once('drain', pump);
        }
        if (!s.destroyed) s.write('0\r\n\r\n');
      };
      pump();
    });
    const res = parseResponse(raw, ended);
    assertEnvelope(res, 413, 8, 'chunked');
    await assertNothingStored();
  });
});

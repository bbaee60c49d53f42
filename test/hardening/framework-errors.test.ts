import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LINGER_MS } from '../../src/api/linger.ts';
import { BASE_MS, iso, message } from '../foundation/fixtures.ts';
import { assertEnvelope, parseResponse, portOf, rawExchange, rawRequest, storedCounts } from '../helpers/raw-http.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 9 F3/F4, content types and the served document: every answer of the HTTP edge
// (router, content-type parsing, Node's HTTP parser) carries {code, message, details}.
describe('HTTP edge: framework and parser errors', () => {
  let srv: TestServer;
  let token: string;
  let port: number;
  const team = 'team-edge';
  const range = `version=LIVE&start_time=${iso(BASE_MS - 86400_000).slice(0, 10)}&end_time=${iso(BASE_MS + 2 * 86400_000).slice(0, 10)}&bucket=1d`;

  before(async () => {
    srv = await startTestServer();
    token = await srv.token(team);
    port = portOf(srv.url);
  });
  after(async () => {
    await srv?.close();
  });

  test('F3: a bot id of 101-128 characters that ingest accepts can be read', async () => {
    for (const len of [101, 128]) {
      const bot = `b${'x'.repeat(len - 2)}9`;
      const res = await ingest(srv.url, token, [message({ team, bot })]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const read = await api(`${srv.url}/v1/bots/${bot}/messages?${range}`, token);
      assert.equal(read.status, 200, `${len} chars: ${JSON.stringify(read.body)}`);
      const understood = (read.body as { data: { series: { sum: number }[] } }).data.series[0];
      assert.equal(understood?.sum, 1);
    }
    // Step ids (up to 1,024 characters) fit the router's limit too.
    const step = await api(`${srv.url}/v1/bots/b-none/flows/${'s'.repeat(1024)}?${range}`, token);
    assert.equal(step.status, 404, JSON.stringify(step.body));
  });

  test('F4: a path parameter over the router limit answers 414 with the envelope', async () => {
    const before = await storedCounts(srv);
    const res = await api(`${srv.url}/v1/bots/${'x'.repeat(1025)}/messages?${range}`, token);
    const env = assertEnvelope(res, 414, 8, '414');
    assert.match(env.message, /1024/);
    assert.deepEqual(await storedCounts(srv), before);
  });

  test('F4: malformed percent-encoding answers 400 {code: 3}', async () => {
    const before = await storedCounts(srv);
    for (const seg of ['%FF', '%C0%AF', '%', '%zz']) {
      const res = await rawRequest(
        port,
        `GET /v1/bots/${seg}/messages?${range} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      assertEnvelope(res, 400, 3, seg);
      assert.match(res.headers['content-type'] ?? '', /application\/json/);
    }
    const post = await rawRequest(
      port,
      `POST /v1/bots/%zz/events/definitions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assertEnvelope(post, 400, 3, 'post %zz');
    assert.deepEqual(await storedCounts(srv), before);
  });

  test("F4: errors of Node's HTTP parser answer a complete envelope and close the connection", async () => {
    const before = await storedCounts(srv);
    const cases: [string, string, number, number][] = [
      [
        'header section over 16 KiB',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
        431,
        8,
      ],
      ['NUL in Authorization', `GET /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\n\r\n`, 400, 3],
      ['control char in a header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n`, 400, 3],
      ['malformed request line', 'GET\r\n\r\n', 400, 3],
      ['garbage', 'HELLO THERE\r\n\r\n', 400, 3],
      ['bad HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400, 3],
      [
        'ingest with both Content-Length and chunked',
        `POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        400,
        3,
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const res = await rawRequest(port, request);
      assertEnvelope(res, status, code, what);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', what);
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), what);
      assert.equal(res.headers.connection, 'close', what);
      assert.equal(res.ended, 'end', `${what}: the server closes the connection`);
    }
    assert.deepEqual(await storedCounts(srv), before);
  });

  test('a client that half-closes after its request reads the answer and the socket closes at once', async () => {
    // The lingering close (kept for refused bodies) must not hold a socket whose client is done.
    const serverSide = new Promise<net.Socket>((resolve) => srv.app.server.once('connection', resolve));
    const t0 = Date.now();
    const { raw, ended } = await rawExchange(port, (s) => s.end('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(parseResponse(raw, ended).status, 200);
    const socket = await serverSide;
    if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
    assert.ok(Date.now() - t0 < LINGER_MS / 2, `server closed its socket after ${Date.now() - t0} ms`);
  });

  test('content types: ingest refuses what it does not take with 415 {code: 3}, storing nothing', async () => {
    const before = await storedCounts(srv);
    const body = JSON.stringify([message({ team, bot: 'bot-ct' })]);
    for (const type of ['image/png', 'application/octet-stream', 'application/x-www-form-urlencoded', 'text/html']) {
      const res = await api(`${srv.url}/v1/ingest`, token, { method: 'POST', body, headers: { 'content-type': type } });
      const env = assertEnvelope(res, 415, 3, type);
      assert.match(env.message, /application\/json/);
    }
    const noType = await rawRequest(
      port,
      `POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    assertEnvelope(noType, 415, 3, 'no content type');
    assert.deepEqual(await storedCounts(srv), before);
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/x-ndjson', 'text/plain']) {
      const ok = await api(`${srv.url}/v1/ingest`, token, { method: 'POST', body, headers: { 'content-type': type } });
      assert.equal(ok.status, 200, `${type}: ${JSON.stringify(ok.body)}`);
    }
  });

  test('content types: JSON-body routes take application/json only; body-less requests need none', async () => {
    await ingest(srv.url, token, [message({ team, bot: 'bot-ct2' })]);
    const before = await storedCounts(srv);
    const url = `${srv.url}/v1/bots/bot-ct2/events/definitions`;
    const body = JSON.stringify({ event: 'signup', description: 'x' });
    for (const type of ['text/plain', 'application/x-ndjson', 'image/png', 'multipart/form-data; boundary=x']) {
      const res = await api(url, token, { method: 'POST', body, headers: { 'content-type': type } });
      assertEnvelope(res, 415, 3, type);
    }
    const list = await api(url, token);
    assert.equal(list.status, 200);
    assert.deepEqual((list.body as { event_definitions: unknown[] }).event_definitions, []);
    assert.deepEqual(await storedCounts(srv), before);
    const ok = await api(url, token, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const echo = await api(`${srv.url}/v1/echo`, token, { method: 'POST' });
    assert.notEqual(echo.status, 415);
    const del = await api(`${srv.url}/v1/bots/bot-ct2/subscriptions/sub_nope`, token, { method: 'DELETE' });
    assertEnvelope(del, 404, 5, 'delete without a body');
  });

  test('served document lists this server first, then the seed servers', async () => {
    const res = await api(`${srv.url}/openapi.json`, undefined);
    const servers = (res.body as { servers: { url: string; description?: string }[] }).servers;
    assert.deepEqual(servers[0], { url: '/', description: 'this server' });
    assert.deepEqual(
      servers.slice(1).map((s) => s.url),
      [
        'https://analytics.api.chatlayer.ai',
        'https://analytics.api.prod.us-east4.gcp.chatlayer.ai',
        'https://analytics.api.prod.asia-south1.gcp.chatlayer.ai',
      ],
    );
    const docs = await fetch(`${srv.url}/docs/json`);
    const served = (await docs.json()) as { servers: { url: string }[] };
    assert.equal(served.servers[0]?.url, '/');
  });
});

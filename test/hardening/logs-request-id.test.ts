import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { type AppServices, openServices } from '../../src/services.ts';
import { messages, storedRows } from '../foundation/fixtures.ts';
import { api, ingest, tempDir } from '../helpers/server.ts';

// Issue 9 "Logs": one logger, a request id on every log line of a request (echoed as
// X-Request-Id), and a failing commit listener logged rather than swallowed. The real
// server in this process, its one logger writing into `lines`.
type Line = Record<string, unknown> & { msg?: string; reqId?: string };
const lines: Line[] = [];
let services: AppServices;
let app: FastifyInstance;
let url: string;

before(async () => {
  const config = loadConfig({ LOG_LEVEL: 'info' }, { dataDir: tempDir(), port: 0, host: '127.0.0.1' });
  const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  services = await openServices(config, log);
  app = await buildServer(services, { logLevel: 'info' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  await app.close();
  await services.close();
});

/** The log lines that describe HTTP requests (Fastify's own and our handlers'). */
const requestLines = () => lines.filter((l) => 'req' in l || 'res' in l || l.msg === 'unhandled error');

test("a failing request's log lines carry its request id, echoed as X-Request-Id", async () => {
  const res = await api(`${url}/v1/bots/b1/messages?version=LIVE`, 'tok_nope:wrong', {
    headers: { 'x-request-id': 'client-req.42_A' },
  });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('x-request-id'), 'client-req.42_A');
  const mine = lines.filter((l) => l.reqId === 'client-req.42_A');
  assert.ok(
    mine.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 401),
    'completion line',
  );
  assert.ok(mine.length >= 2, JSON.stringify(mine));
  for (const l of requestLines()) assert.equal(typeof l.reqId, 'string', JSON.stringify(l));
});

test('an insane X-Request-Id is replaced by a generated one, used in logs and the answer', async () => {
  for (const given of ['x'.repeat(65), 'has space', 'a/b', '']) {
    const before = lines.length;
    const res = await api(`${url}/v1/bots/b1/messages`, undefined, { headers: { 'x-request-id': given } });
    assert.equal(res.status, 401);
    const id = res.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f-]{36}$/, given);
    const mine = lines.slice(before).filter((l) => l.reqId === id);
    assert.ok(mine.length >= 2, given);
    assert.ok(!lines.slice(before).some((l) => given !== '' && l.reqId === given));
  }
});

test('a throwing or rejecting commit listener is logged with its error; the batch is stored', async () => {
  services.writer.onCommit(() => {
    throw new Error('listener boom (sync)');
  });
  services.writer.onCommit(async () => {
    throw new Error('listener boom (async)');
  });
  const token = (await createToken(services.db, 'team-logs', ['ingest', 'read'])).token;
  const res = await ingest(url, token, messages(3, { team: 'team-logs', bot: 'bot-logs', idPrefix: 'l' }));
  assert.deepEqual(res.body, { accepted: 3, duplicates: 0 });
  assert.equal((await storedRows(services.ch, 'bot-logs')).length, 3);
  const deadline = Date.now() + 5_000;
  const failures = () =>
    lines
      .filter((l) => l.msg === 'commit listener failed')
      .map((l) => (l.err as { message?: string } | undefined)?.message);
  while (failures().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(failures().sort(), ['listener boom (async)', 'listener boom (sync)']);
  const line = lines.find((l) => l.msg === 'commit listener failed');
  assert.equal(line?.level, 50); // error
  assert.match(String((line?.err as { stack?: string } | undefined)?.stack), /logs-request-id\.test\.ts/);
});

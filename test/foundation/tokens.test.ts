import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, ingest, repoRoot, spawnNode, startTestServer, type TestServer } from '../helpers/server.ts';
import { message, uniq } from './fixtures.ts';

/** Runs the CLI against a data dir; returns exit code, stdout and stderr. */
const cli = (dataDir: string, args: string[]) =>
  spawnNode([path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), ...args], { DATA_DIR: dataDir });

const TOKEN_LINE = /^tok_[0-9a-f]+:[A-Za-z0-9_-]+\n$/;

// CONTRACT §6: tokens `id:secret` by Bearer or Basic, hashed at rest, scoped, revocable.
describe('tokens', () => {
  let srv: TestServer;
  const team = 'team-tok';
  const echo = (headers: Record<string, string>) =>
    api(`${srv.url}/v1/echo`, undefined, {
      method: 'POST',
      body: JSON.stringify({ message: 'hi' }),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const basic = (token: string): string => {
    const [id, secret] = token.split(':');
    return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  };

  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  test('token create prints only the token; Bearer and Basic both work', async () => {
    const res = await cli(srv.dataDir, ['token', 'create', '--team', team, '--scopes', 'read,ingest']);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, TOKEN_LINE);
    const token = res.out.trim();
    const bearer = await echo({ authorization: `Bearer ${token}` });
    assert.equal(bearer.status, 200);
    assert.deepEqual(bearer.body, { message: 'hi' });
    const viaBasic = await echo({ authorization: basic(token) });
    assert.equal(viaBasic.status, 200);
    assert.deepEqual(viaBasic.body, { message: 'hi' });
  });

  test('wrong secret, unknown id, malformed or missing header → 401 {code: 16}', async () => {
    const token = await srv.token(team);
    const [id] = token.split(':');
    for (const authorization of [
      `Bearer ${id}:wrong-secret`,
      `Bearer tok_0000000000000000:${token.split(':')[1]}`,
      basic(`${id}:nope`),
      'Bearer nocolon',
      `Token ${token}`,
      '',
    ]) {
      const res = await echo(authorization ? { authorization } : {});
      assert.equal(res.status, 401, authorization);
      assert.equal((res.body as { code: number }).code, 16, authorization);
      assert.ok(Array.isArray((res.body as { details: unknown[] }).details));
    }
  });

  test('a token revoked with the CLI while the server runs answers 401 at once', async () => {
    const token = await srv.token(team);
    assert.equal((await echo({ authorization: `Bearer ${token}` })).status, 200);
    const id = token.split(':')[0] as string;
    const res = await cli(srv.dataDir, ['token', 'revoke', id]);
    assert.equal(res.code, 0, res.err);
    assert.equal(res.out, '');
    const after = await echo({ authorization: `Bearer ${token}` });
    assert.equal(after.status, 401);
    assert.equal((after.body as { code: number }).code, 16);
    const again = await cli(srv.dataDir, ['token', 'revoke', id]);
    assert.notEqual(again.code, 0, 'revoking twice is an error');
  });

  test('missing scope → 403 {code: 7}', async () => {
    const readOnly = await srv.token(team, ['read']);
    const ingestOnly = await srv.token(team, ['ingest']);
    const bot = uniq('bot-scope');
    const ing = await ingest(srv.url, readOnly, [message({ team, bot })]);
    assert.equal(ing.status, 403);
    assert.equal((ing.body as { code: number }).code, 7);
    const read = await api(
      `${srv.url}/v1/bots/${bot}/messages?version=LIVE&start_time=2026-01-01&end_time=2026-01-02`,
      ingestOnly,
    );
    assert.equal(read.status, 403);
    assert.equal((read.body as { code: number }).code, 7);
    const admin = await api(`${srv.url}/v1/bots/${bot}/subscriptions`, readOnly);
    assert.equal(admin.status, 403);
    assert.equal((admin.body as { code: number }).code, 7);
  });

  test('token list shows ids and scopes but never secrets; secrets are stored hashed', async () => {
    const t = uniq('team-list');
    const created = await cli(srv.dataDir, ['token', 'create', '--team', t, '--scopes', 'admin', '--name', 'ci']);
    assert.equal(created.code, 0, created.err);
    const token = created.out.trim();
    const [id, secret] = token.split(':') as [string, string];
    for (const args of [
      ['token', 'list'],
      ['token', 'list', '--json'],
      ['token', 'list', '--team', t],
    ]) {
      const res = await cli(srv.dataDir, args);
      assert.equal(res.code, 0, res.err);
      assert.ok(res.out.includes(id), `${args.join(' ')} lists the id`);
      assert.ok(!res.out.includes(secret), `${args.join(' ')} must not print the secret`);
    }
    const rows = await srv.services.db.selectFrom('tokens').selectAll().where('id', '=', id).execute();
    assert.equal(rows.length, 1);
    const stored = JSON.stringify(rows[0]);
    assert.ok(!stored.includes(secret), 'no plaintext secret in the tokens table');
    assert.match(rows[0]?.secret_hash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(rows[0]?.scopes, 'admin');
  });

  test('token create with an unknown scope fails and prints no token', async () => {
    const res = await cli(srv.dataDir, ['token', 'create', '--team', team, '--scopes', 'read,root']);
    assert.notEqual(res.code, 0);
    assert.equal(res.out, '');
  });
});

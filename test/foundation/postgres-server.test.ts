import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { messages, storedRows } from './fixtures.ts';
import { freshSchema, postgresReachable } from './postgres.ts';

// The whole server with DATABASE_URL set: tokens and bot ownership in PostgreSQL.
describe('server with the control store on PostgreSQL', () => {
  let srv: TestServer | undefined;
  let drop: () => Promise<void> = async () => {};

  before(async () => {
    if (!(await postgresReachable())) return;
    const schema = await freshSchema();
    drop = schema.drop;
    srv = await startTestServer({ databaseUrl: schema.url });
  });
  after(async () => {
    await srv?.close();
    await drop();
  });

  test('token round trip and ingest', async (t) => {
    if (!srv) return t.skip('PostgreSQL not reachable');
    const token = await srv.token('team-pg', ['ingest', 'read']);
    const res = await ingest(srv.url, token, messages(4, { team: 'team-pg', bot: 'bot-pg', idPrefix: 'pg' }));
    assert.deepEqual(res.body, { accepted: 4, duplicates: 0 });
    assert.equal((await storedRows(srv.services.ch, 'bot-pg')).length, 4);
    const owner = await srv.services.db.selectFrom('bots').select('team_id').where('id', '=', 'bot-pg').execute();
    assert.deepEqual(owner, [{ team_id: 'team-pg' }]);

    const other = await srv.token('team-other', ['ingest']);
    const stolen = await ingest(srv.url, other, messages(1, { team: 'team-other', bot: 'bot-pg', idPrefix: 'x' }));
    assert.equal(stolen.status, 403);

    const [id] = token.split(':');
    const bad = await api(`${srv.url}/v1/echo`, `${id}:wrong`, {
      method: 'POST',
      body: '{"message":"m"}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 401);
  });
});

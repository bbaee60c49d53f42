/**
 * A conversation whose events arrive in two requests (so in two partial rows of the
 * conversation tables) and that began BEFORE the range must not count as started in
 * the range (CONTRACT §7: conversation metrics take conversations that started in
 * range). A row filter on `end_ts >= start_time` got this wrong; this pins it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let token: string;
const BOT = 'splitbot';

const ev = (at: string, extra: object) => ({
  timestamp: `2026-10-05T${at}Z`,
  team_id: 'ts',
  bot_id: BOT,
  version: 'LIVE',
  user_id: 'u1',
  channel_type: 'web',
  ...extra,
});

before(async () => {
  server = await startTestServer();
  token = await server.token('ts');
  // One conversation 09:55 → 10:05 (gap 10 min < 15), sent as two requests.
  assert.equal(
    (await ingest(server.url, token, [ev('09:55:00', { type: 'step', step_id: 'A', step_type: 'bot_dialog' })])).status,
    200,
  );
  const second = [
    ev('10:05:00', { type: 'step', step_id: 'B', step_type: 'bot_dialog' }),
    ev('10:05:01', { type: 'message', direction: 'user', kind: 'text', intent: 'hi' }),
  ];
  assert.equal((await ingest(server.url, token, second)).status, 200);
});

after(async () => {
  await server.close();
});

const inRange = 'start_time=2026-10-05T10:00:00Z&end_time=2026-10-05T11:00:00Z';
const coveringRange = 'start_time=2026-10-05T09:00:00Z&end_time=2026-10-05T11:00:00Z';

test('flows: a conversation that began before the range is not in it', async () => {
  const res = await api(`${server.url}/v1/bots/${BOT}/flows?version=LIVE&${inRange}`, token);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { nodes: [] });
  const whole = await api(`${server.url}/v1/bots/${BOT}/flows?version=LIVE&${coveringRange}`, token);
  assert.deepEqual(whole.body, { nodes: [{ id: 'A', occurrences: 1 }] });
  const afterA = await api(`${server.url}/v1/bots/${BOT}/flows?version=LIVE&${coveringRange}&path=A`, token);
  assert.deepEqual(afterA.body, { nodes: [{ id: 'B', occurrences: 1 }] });
});

test('step details: a conversation that began before the range is not in it', async () => {
  const res = await api(`${server.url}/v1/bots/${BOT}/flows/B?version=LIVE&${inRange}`, token);
  assert.deepEqual(res.body, { message_count: 0, drop_off_count: 0, conversation_count: 0 });
  const whole = await api(`${server.url}/v1/bots/${BOT}/flows/B?version=LIVE&${coveringRange}`, token);
  assert.deepEqual(whole.body, { message_count: 1, drop_off_count: 1, conversation_count: 1 });
});

test('team usage: a conversation that began before the range is not billable in it', async () => {
  const res = await api(`${server.url}/v1/teams/ts/conversations?${inRange}`, token);
  assert.equal(res.status, 200);
  const body = res.body as { data: { series: { sum: number }[] } };
  assert.equal(body.data.series[0]?.sum ?? 0, 0);
  const whole = await api(`${server.url}/v1/teams/ts/conversations?${coveringRange}`, token);
  const wholeBody = whole.body as { data: { series: { sum: number }[] } };
  assert.equal(wholeBody.data.series[0]?.sum, 1);
});

test('conversations and insights: a conversation that began before the range is not in it', async () => {
  const conv = await api(`${server.url}/v1/bots/${BOT}/conversations?version=LIVE&${inRange}`, token);
  assert.equal(conv.status, 200);
  assert.deepEqual((conv.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum, 0);
  const whole = await api(`${server.url}/v1/bots/${BOT}/conversations?version=LIVE&${coveringRange}`, token);
  assert.deepEqual((whole.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum, 1);
  for (const stat of ['num_messages', 'duration_seconds', 'num_conversations']) {
    const res = await api(
      `${server.url}/v1/bots/${BOT}/conversations/insights?version=LIVE&stat=${stat}&${inRange}`,
      token,
    );
    assert.equal((res.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum, 0, stat);
    const all = await api(
      `${server.url}/v1/bots/${BOT}/conversations/insights?version=LIVE&stat=${stat}&${coveringRange}`,
      token,
    );
    assert.equal((all.body as { data: { series: { sum: number }[] } }).data.series[0]?.sum, 1, stat);
  }
});

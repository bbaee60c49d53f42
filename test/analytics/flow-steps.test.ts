/**
 * GET /v1/bots/{bot}/steps (our addition): every (step id, type) of the conversations
 * started in range with the counts of GetFlowStepDetails, which the flows property test
 * pins against test/reference. Known data here, and a cross-check against step details.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let token: string;
const BOT = 'stepsbot';
const Q = 'version=LIVE&start_time=2026-10-05&end_time=2026-10-06';

const step = (user: string, at: string, id: string, type: string, channel = 'web') => ({
  type: 'step',
  timestamp: `2026-10-05T${at}Z`,
  team_id: 'tsteps',
  bot_id: BOT,
  version: 'LIVE',
  user_id: user,
  channel_type: channel,
  step_id: id,
  step_type: type,
});

before(async () => {
  server = await startTestServer();
  token = await server.token('tsteps');
  const events = [
    // u1: welcome → menu → handover (ends there)
    step('u1', '09:00:00', 'welcome', 'bot_dialog'),
    step('u1', '09:00:05', 'menu', 'bot_dialog'),
    step('u1', '09:00:10', 'agent', 'handover'),
    // u2: welcome → menu → menu → goodbye
    step('u2', '10:00:00', 'welcome', 'bot_dialog'),
    step('u2', '10:00:05', 'menu', 'bot_dialog'),
    step('u2', '10:00:09', 'menu', 'bot_dialog'),
    step('u2', '10:00:15', 'goodbye', 'bot_dialog'),
    // u3 on whatsapp: welcome (ends there); `menu` as an action once
    step('u3', '11:00:00', 'welcome', 'bot_dialog', 'whatsapp'),
    step('u3', '11:00:02', 'menu', 'action', 'whatsapp'),
    // Outside the range: not counted.
    { ...step('u4', '09:00:00', 'welcome', 'bot_dialog'), timestamp: '2026-10-07T09:00:00Z' },
  ];
  assert.equal((await ingest(server.url, token, events)).status, 200);
});

after(async () => {
  await server.close();
});

test('lists every (step, type) with runs, conversations and drop-offs, most conversations first', async () => {
  const r = await api(`${server.url}/v1/bots/${BOT}/steps?${Q}`, token);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    steps: [
      { id: 'welcome', type: 'bot_dialog', message_count: 3, conversation_count: 3, drop_off_count: 0 },
      { id: 'menu', type: 'bot_dialog', message_count: 3, conversation_count: 2, drop_off_count: 0 },
      { id: 'agent', type: 'handover', message_count: 1, conversation_count: 1, drop_off_count: 1 },
      { id: 'goodbye', type: 'bot_dialog', message_count: 1, conversation_count: 1, drop_off_count: 1 },
      { id: 'menu', type: 'action', message_count: 1, conversation_count: 1, drop_off_count: 1 },
    ],
  });
});

test('filters on the conversation’s first event, like the flow operations', async () => {
  const r = await api(`${server.url}/v1/bots/${BOT}/steps?${Q}&channel_type=whatsapp`, token);
  assert.deepEqual(r.body, {
    steps: [
      { id: 'menu', type: 'action', message_count: 1, conversation_count: 1, drop_off_count: 1 },
      { id: 'welcome', type: 'bot_dialog', message_count: 1, conversation_count: 1, drop_off_count: 0 },
    ],
  });
});

test('agrees with GetFlowStepDetails for every step id (summed over its types)', async () => {
  const { body } = await api(`${server.url}/v1/bots/${BOT}/steps?${Q}`, token);
  const steps = (body as { steps: { id: string; message_count: number; drop_off_count: number }[] }).steps;
  for (const id of new Set(steps.map((s) => s.id))) {
    const details = (await api(`${server.url}/v1/bots/${BOT}/flows/${id}?${Q}`, token)).body as Record<string, number>;
    const mine = steps.filter((s) => s.id === id);
    assert.equal(
      mine.reduce((n, s) => n + s.message_count, 0),
      details.message_count,
      id,
    );
    assert.equal(
      mine.reduce((n, s) => n + s.drop_off_count, 0),
      details.drop_off_count,
      id,
    );
  }
});

test('bad input is a 400 in the envelope; another team’s bot is a 404', async () => {
  const bad = await api(
    `${server.url}/v1/bots/${BOT}/steps?version=BETA&start_time=2026-10-05&end_time=2026-10-06`,
    token,
  );
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { code: number }).code, 3);
  const other = await server.token('someone-else');
  const nf = await api(`${server.url}/v1/bots/${BOT}/steps?${Q}`, other);
  assert.equal(nf.status, 404);
});

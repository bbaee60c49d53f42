import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  api,
  cliToken,
  ingest,
  repoRoot,
  runNode,
  type ServerProcess,
  startServerProcess,
  tempDir,
} from '../helpers/server.ts';
import { echoChallenge, type Received, Receiver } from './receiver.ts';

// The server runs as a child process (`serve`) so it can be killed with SIGKILL: no
// flush, no shutdown hook; the dispatcher must resume from what the stores hold.
const ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_SCHEDULE: '3,3,3,3,3' };

let rcv: Receiver | undefined;
let pending: Receiver | undefined;
let running: ServerProcess | undefined;
after(async () => {
  await running?.kill9();
  await rcv?.close();
  await pending?.close();
});

const deliveredIds = (list: Received[]): Set<string> => {
  const ids = new Set<string>();
  for (const r of list) {
    try {
      ids.add((JSON.parse(r.body) as { data: { id: string } }).data.id);
    } catch {
      // a hung request cut by the kill has no usable body
    }
  }
  return ids;
};

// A second subscription is still VERIFICATION_PENDING at the kill (its target refuses the
// challenge until the restart): the challenge state and the cursor are in the control store,
// so after the restart the challenge resumes where it was and, once echoed, every event
// accepted while pending is delivered.
test('kill -9 between the ingest answer and delivery (and while a subscription is pending): all delivered after restart', async () => {
  const dataDir = tempDir('cla-wh-kill-');
  const token = await cliToken(dataDir, 'team-k');
  // Subscribing comes before the bot's first event, so the operator claims it first.
  await runNode([path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), 'bot', 'create', '--team', 'team-k', 'bot-k'], {
    DATA_DIR: dataDir,
  });

  rcv = await new Receiver().listen();
  pending = await new Receiver().listen();
  // Phase 1: the receiver hangs, so nothing can be delivered before the kill; the second
  // one never answers its challenge.
  rcv.reply = () => 'hang';
  pending.onChallenge = () => ({ status: 500 });
  let srv = await startServerProcess(dataDir, ENV);
  running = srv;
  const subscribe = (target: string) =>
    api(`${srv.url}/v1/bots/bot-k/subscriptions`, token, {
      method: 'POST',
      body: JSON.stringify({ target, event_type: 'TRACKING_EVENT', version: 'v1' }),
      headers: { 'content-type': 'application/json' },
    });
  const sub = await subscribe(rcv.url);
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
  const pendingSub = await subscribe(pending.url);
  assert.equal(pendingSub.status, 200, JSON.stringify(pendingSub.body));
  const pendingId = (pendingSub.body as { subscription: { id: string } }).subscription.id;
  // Verified before the events, so they are enqueued and in flight at the kill.
  await rcv.waitFor(1, 10_000, rcv.challenges);
  await pending.waitFor(1, 10_000, pending.challenges);
  const events = Array.from({ length: 300 }, (_, i) => ({
    id: `k-${i}`,
    type: 'tracking',
    team_id: 'team-k',
    bot_id: 'bot-k',
    version: 'LIVE',
    user_id: `u${i % 7}`,
    event: 'paid',
    attributes: { i },
    timestamp: new Date().toISOString(),
  }));
  const res = await ingest(srv.url, token, events);
  assert.equal(res.status, 200);
  await srv.kill9(); // right after the answer: the dispatcher may not even have enqueued
  running = undefined;

  // Phase 2: the receivers work; a restarted server must deliver all of them to both.
  rcv.reply = () => ({ status: 200 });
  const challengesBefore = pending.challenges.length;
  pending.onChallenge = echoChallenge;
  srv = await startServerProcess(dataDir, ENV);
  running = srv;
  let delivered = new Set<string>();
  let deliveredPending = new Set<string>();
  const deadline = Date.now() + 60_000;
  while ((delivered.size < events.length || deliveredPending.size < events.length) && Date.now() < deadline) {
    delivered = deliveredIds(rcv.received);
    deliveredPending = deliveredIds(pending.received);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(delivered.size, events.length, `delivered ${delivered.size} of ${events.length}`);
  assert.equal(deliveredPending.size, events.length, `pending one: ${deliveredPending.size} of ${events.length}`);
  // Resumed from the recorded attempts, not from scratch: at most four challenges in all.
  assert.ok(pending.challenges.length > challengesBefore);
  assert.ok(pending.challenges.length <= 4, `${pending.challenges.length} challenges`);
  const listed = await api(`${srv.url}/v1/bots/bot-k/subscriptions`, token);
  const statuses = (listed.body as { subscriptions: { id: string; status: string }[] }).subscriptions;
  assert.equal(statuses.find((x) => x.id === pendingId)?.status, 'ACTIVE');

  // And the restarted server keeps delivering new events.
  const before = rcv.received.length;
  const more = await ingest(srv.url, token, [{ ...events[0], id: 'k-after' }]);
  assert.equal(more.status, 200, `${JSON.stringify(more.body)}\n${srv.output()}`);
  await rcv.waitFor(before + 1);
  await srv.kill9();
  running = undefined;
});

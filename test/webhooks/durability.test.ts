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
import { Receiver } from './receiver.ts';

// The server runs as a child process (`serve`) so it can be killed with SIGKILL: no
// flush, no shutdown hook; the dispatcher must resume from what the stores hold.
const ENV = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1' };

let rcv: Receiver | undefined;
let running: ServerProcess | undefined;
after(async () => {
  await running?.kill9();
  await rcv?.close();
});

test('kill -9 between the ingest answer and delivery: every event is delivered after restart', async () => {
  const dataDir = tempDir('cla-wh-kill-');
  const token = await cliToken(dataDir, 'team-k');
  // Subscribing comes before the bot's first event, so the operator claims it first.
  await runNode([path.join(repoRoot, 'bin', 'chatlayer-analytics.js'), 'bot', 'create', '--team', 'team-k', 'bot-k'], {
    DATA_DIR: dataDir,
  });

  rcv = await new Receiver().listen();
  // Phase 1: the receiver hangs, so nothing can be delivered before the kill.
  rcv.reply = () => 'hang';
  let srv = await startServerProcess(dataDir, ENV);
  running = srv;
  const sub = await api(`${srv.url}/v1/bots/bot-k/subscriptions`, token, {
    method: 'POST',
    body: JSON.stringify({ target: rcv.url, event_type: 'TRACKING_EVENT', version: 'v1' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(sub.status, 200, JSON.stringify(sub.body));
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

  // Phase 2: the receiver works; a restarted server must deliver all of them.
  rcv.reply = () => ({ status: 200 });
  srv = await startServerProcess(dataDir, ENV);
  running = srv;
  const delivered = new Set<string>();
  const deadline = Date.now() + 60_000;
  while (delivered.size < events.length && Date.now() < deadline) {
    for (const r of rcv.received) {
      try {
        delivered.add((JSON.parse(r.body) as { data: { id: string } }).data.id);
      } catch {
        // a hung request cut by the kill has no usable body
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(delivered.size, events.length, `delivered ${delivered.size} of ${events.length}`);

  // And the restarted server keeps delivering new events.
  const before = rcv.received.length;
  const more = await ingest(srv.url, token, [{ ...events[0], id: 'k-after' }]);
  assert.equal(more.status, 200, `${JSON.stringify(more.body)}\n${srv.output()}`);
  await rcv.waitFor(before + 1);
  await srv.kill9();
  running = undefined;
});

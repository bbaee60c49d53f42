// npm run bench:webhooks — webhook deliveries/s to a local receiver and first-attempt
// latency after the ingest answer (p50/p99). Real server stack in this process (chDB +
// SQLite in a temp dir), receiver in a child process.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../src/api/server.ts';
import { createToken } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openServices } from '../src/services.ts';

const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 300);
const here = path.dirname(fileURLToPath(import.meta.url));

interface Stats {
  count: number;
  arrivals: [string, number][];
}

const receiver = fork(path.join(here, 'webhook-receiver.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) =>
  receiver.once('message', (m) => resolve((m as { port: number }).port)),
);
const stats = (): Promise<Stats> =>
  new Promise((resolve) => {
    receiver.once('message', (m) => resolve(m as Stats));
    receiver.send({ cmd: 'stats' });
  });

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cla-bench-wh-'));
// WEBHOOK_TARGET_CONCURRENCY from the environment lets runs compare concurrency limits.
const config = loadConfig(
  {
    LOG_LEVEL: 'silent',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TARGET_CONCURRENCY: process.env.WEBHOOK_TARGET_CONCURRENCY,
  },
  { dataDir, port: 0 },
);
const services = await openServices(config);
const app = await buildServer(services, { logLevel: 'silent' });
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
const { token } = await createToken(services.db, 'bench-team', ['ingest', 'admin', 'read']);
const auth = { authorization: `Bearer ${token}` };

// Subscribing comes before the bot's first event: the operator claims it (`bot create`).
await services.bots.claim('bench-bot', 'bench-team');
const sub = await fetch(`${base}/v1/bots/bench-bot/subscriptions`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ target: `http://127.0.0.1:${port}/hook`, event_type: 'TRACKING_EVENT', version: 'v1' }),
});
if (sub.status !== 200) throw new Error(`subscription create failed: ${sub.status} ${await sub.text()}`);

const event = (id: string) => ({
  id,
  type: 'tracking',
  team_id: 'bench-team',
  bot_id: 'bench-bot',
  version: 'LIVE',
  user_id: `u-${id.slice(-2)}`,
  event: 'purchase',
  attributes: { amount: 12.5, sku: 'A-1' },
  timestamp: new Date().toISOString(),
});
async function ingest(events: object[]): Promise<void> {
  const res = await fetch(`${base}/v1/ingest`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-ndjson' },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
}
async function waitForCount(n: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while ((await stats()).count < n) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// 1. Throughput: one burst of events, time from the ingest answer to the last delivery.
const burst = Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => event(`t-${i}`));
const answered: number[] = [];
const t0 = Date.now();
for (let i = 0; i < burst.length; i += 5_000) await ingest(burst.slice(i, i + 5_000));
answered.push(Date.now());
await waitForCount(THROUGHPUT_EVENTS);
const burstSecs = (Date.now() - t0) / 1000;
const afterAnswerSecs = (Date.now() - (answered[0] ?? t0)) / 1000;

// 2. First-attempt latency: single-event requests at ~50/s, answer time → arrival time.
receiver.send({ cmd: 'track' });
const answerAt = new Map<string, number>();
for (let i = 0; i < LATENCY_REQUESTS; i++) {
  const id = `l-${i}`;
  await ingest([event(id)]);
  answerAt.set(id, Date.now());
  await new Promise((r) => setTimeout(r, 20));
}
await waitForCount(THROUGHPUT_EVENTS + LATENCY_REQUESTS);
const arrivals = new Map((await stats()).arrivals);
const lat = [...answerAt].map(([id, at]) => (arrivals.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? Number.NaN;

console.log(
  JSON.stringify(
    {
      deliveries: THROUGHPUT_EVENTS,
      // From the first ingest request to the last delivery (ingest time included).
      deliveries_per_second: Math.round(THROUGHPUT_EVENTS / burstSecs),
      burst_seconds_total: Number(burstSecs.toFixed(2)),
      seconds_from_last_ingest_answer_to_last_delivery: Number(afterAnswerSecs.toFixed(2)),
      first_attempt_latency_ms: { samples: lat.length, p50: pct(50), p99: pct(99), max: lat[lat.length - 1] },
      per_target_concurrency: config.webhookTargetConcurrency,
      cpus: os.cpus().length,
      load_average_1m: Number(os.loadavg()[0]?.toFixed(2)),
    },
    null,
    2,
  ),
);

await app.close();
await services.close();
receiver.send({ cmd: 'exit' });
fs.rmSync(dataDir, { recursive: true, force: true });

/**
 * Builds a bigger bench:query store from a loaded one by copying its events under new bot ids:
 *
 *   node --import tsx bench/replicate-store.ts --from 10000000 --copies 3
 *
 * makes .bench-data/query-30000000 from .bench-data/query-10000000: the source's events, plus
 * (copies − 1) copies of them whose bot ids get a `-c<k>` suffix and whose seqs move past the
 * source's, so every bot still has its own conversations and users, seq stays unique, and the
 * views fill conversation_summary, user_first_seen and the rollups as for any insert. The copied
 * bots are claimed by their team in the control store. The per-bot volume is the source's; the
 * teams hold `copies` times as many bots.
 *
 * Why not the generator: loading 30 M events through the product's ingest path takes ~25 min on
 * a quiet 2-core machine and over 90 min beside other work; this takes minutes. bench/query.ts
 * names the store it measured, so the report says which it was.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { openServices } from '../src/services.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}

const from = arg('--from', 10_000_000);
const copies = arg('--copies', 3);
const source = path.resolve('.bench-data', `query-${from}`);
const target = path.resolve('.bench-data', `query-${from * copies}`);
const marker = JSON.parse(fs.readFileSync(path.join(source, 'loaded.json'), 'utf8')) as {
  nowMs: number;
  events: number;
};
if (fs.existsSync(target)) throw new Error(`${target} exists: remove it first`);
execFileSync('cp', ['-r', source, target]);
fs.rmSync(path.join(target, 'loaded.json'));

const config = loadConfig({ LOG_LEVEL: 'silent' }, { dataDir: target, port: 0, host: '127.0.0.1' });
const services = await openServices(config);
const bots = await (
  await services.ch.query({
    query: 'SELECT DISTINCT team_id, bot_id FROM events ORDER BY bot_id',
    format: 'JSONEachRow',
  })
).json<{ team_id: string; bot_id: string }>();
const [maxSeq] = await (
  await services.ch.query({ query: 'SELECT max(seq) AS m FROM events', format: 'JSONEachRow' })
).json<{ m: number }>();
// Past every source seq, on a round number so a copy's seqs are readable.
const stride = 10 ** Math.ceil(Math.log10(Number(maxSeq?.m ?? 0) + 2));
const t0 = performance.now();
for (let k = 1; k < copies; k++) {
  for (const b of bots) await services.bots.claim(`${b.bot_id}-c${k}`, b.team_id);
  await services.ch.command({
    // Only the source's rows (earlier copies' seqs are past the stride). The filter sits in a
    // subquery: in the outer SELECT the REPLACE aliases would shadow bot_id and seq in WHERE.
    query: `INSERT INTO events SELECT * REPLACE (concat(bot_id, '-c${k}') AS bot_id, seq + ${k * stride} AS seq)
            FROM (SELECT * FROM events WHERE seq < ${stride})`,
    // Minutes, not a request's seconds.
    clickhouse_settings: { max_execution_time: 0 },
  });
  process.stderr.write(`copy ${k}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const [count] = await (
  await services.ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
).json<{ n: number }>();
fs.writeFileSync(path.join(target, 'loaded.json'), JSON.stringify({ nowMs: marker.nowMs, events: Number(count?.n) }));
process.stderr.write(`${target}: ${count?.n} events, ${bots.length * copies} bots\n`);
await services.close();

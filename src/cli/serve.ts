import fs from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { DASHBOARD_DIR } from '../api/dashboard.ts';
import { buildServer } from '../api/server.ts';
import { createToken, credentialsFromHeader, verifyToken } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { demoTeamIds, generateDemo } from '../demo/generate.ts';
import { createLogger } from '../log.ts';
import { type AppServices, openServices } from '../services.ts';
import { shutdownWithin } from '../shutdown.ts';

const DEMO_EVENTS = 200_000;

/** The demo token is kept in the data dir so `npm start` prints the same one each time. */
async function demoToken(services: AppServices, teamId: string): Promise<string> {
  const file = path.join(services.config.dataDir, 'demo-token');
  if (fs.existsSync(file)) {
    const saved = fs.readFileSync(file, 'utf8').trim();
    const creds = credentialsFromHeader(`Bearer ${saved}`);
    if (creds && (await verifyToken(services.db, creds))) return saved;
  }
  const { token } = await createToken(services.db, teamId, ['read', 'ingest', 'admin'], 'serve --demo');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function loadDemo(services: AppServices, teamId: string, events: number): Promise<void> {
  const bar = new SingleBar({ format: 'demo data [{bar}] {percentage}% | {value}/{total} events', hideCursor: true });
  bar.start(events, 0);
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  // Through the same ingest service as HTTP requests; a few batches in flight let
  // group commit merge them into large inserts.
  for (const batch of generateDemo({ events, days: 30, bots: 3, teams: 1, batchSize: 10_000 })) {
    const p: Promise<void> = services.ingest.ingest({ teamId }, batch).then(() => {
      sent += batch.length;
      bar.update(sent);
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  bar.stop();
}

/** What a newcomer needs to know before subscribing a webhook (CONTRACT-LIVE-API §7). */
function webhookHandshakeLines(verifyTargets: boolean): string[] {
  if (!verifyTargets) {
    return ['  Webhook handshake: off (WEBHOOK_VERIFY_TARGETS=false): new subscriptions are ACTIVE at once.'];
  }
  return [
    '  Webhook handshake: on (WEBHOOK_VERIFY_TARGETS=true). A new subscription is VERIFICATION_PENDING;',
    '             its target receives a signed POST with X-Message-Type: webhook_callback_verification and',
    '             body {"challenge": "...", "subscription": {...}}, and must answer 2xx with the challenge',
    '             text as the whole body. Then it is ACTIVE and gets every event since its creation.',
    '             A receiver example is in README.md ("Webhooks: answering the ownership challenge").',
  ];
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the API server (embedded chDB + SQLite unless CLICKHOUSE_URL / DATABASE_URL are set)')
    .option('--demo', 'load demo data into an empty store and print an admin token for the demo team')
    .option('--demo-events <n>', 'number of demo events', String(DEMO_EVENTS))
    // Roles: everything runs by default; operators may split them across processes.
    .option('--no-ingest', 'do not take ingest/TrackEvent (503) nor move outbox batches left by dead replicas')
    .option('--no-queries', 'do not answer the read and admin API (503); health, readiness and metrics stay')
    .option('--no-deliveries', 'do not claim and send webhook deliveries (other replicas do)')
    .action(
      async (opts: { demo?: boolean; demoEvents: string; ingest: boolean; queries: boolean; deliveries: boolean }) => {
        const config = loadConfig(process.env, {
          roles: { ingest: opts.ingest, queries: opts.queries, deliveries: opts.deliveries },
        });
        const log = createLogger(config.logLevel);
        let ready = false;
        const services = await openServices(config, log);
        const app = await buildServer(services, { logLevel: config.logLevel, isReady: () => ready });
        // Open connections, for the log line when the deadline cuts requests still in flight.
        const sockets = new Set<Socket>();
        app.server.on('connection', (s: Socket) => {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
        });
        let closing = false;
        const shutdown = async (signal: string) => {
          if (closing) return;
          closing = true;
          const deadlineSeconds = config.shutdownDeadlineSeconds;
          log.info({ signal, deadlineSeconds }, 'shutting down: finishing requests and flushing accepted events');
          const http = {
            name: 'HTTP server',
            run: () => app.close(),
            gaveUp: () => `HTTP server did not close: ${sockets.size} connection(s) still open with requests in flight`,
          };
          // Exit 0 only when everything was flushed and closed; 1 tells the supervisor it was not.
          const clean = await shutdownWithin(services.shutdownPlan(http), deadlineSeconds * 1000, log);
          if (clean) log.info('shutdown complete: accepted events flushed, stores closed');
          process.exit(clean ? 0 : 1);
        };
        process.once('SIGINT', () => void shutdown('SIGINT'));
        process.once('SIGTERM', () => void shutdown('SIGTERM'));

        await app.listen({ port: config.port, host: config.host });
        ready = true;
        const url = `http://localhost:${config.port}`;
        const lines = [`Chatlayer Analytics is running at ${url}`, `  API docs:  ${url}/docs`];
        if (!fs.existsSync(path.join(DASHBOARD_DIR, 'index.html')))
          lines.push('  Dashboard: not built (run `npm run build:web`, which `npm ci` and `npm start` do)');
        if (opts.demo) {
          const teamId = demoTeamIds({ events: 0, days: 30, bots: 3, teams: 1 })[0] ?? 'demo-team';
          const token = await demoToken(services, teamId);
          const [row] = await (
            await services.ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
          ).json<{ n: number }>();
          if (Number(row?.n ?? 0) === 0) {
            const events = Number(opts.demoEvents);
            process.stdout.write(`Loading ${events} demo events for team ${teamId} through the ingest pipeline…\n`);
            const t0 = Date.now();
            await loadDemo(services, teamId, events);
            process.stdout.write(`Demo data loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
          }
          const bots = await services.bots.botsOfTeam(teamId);
          // The token rides in the fragment: browsers never send it, the dashboard moves it
          // into sessionStorage and out of the address bar.
          lines.splice(1, 0, `  Dashboard: ${url}/#token=${token}`);
          lines.push(`  Team:      ${teamId} (bots: ${bots.join(', ')})`);
          lines.push(`  Token:     ${token}`);
          lines.push(
            `  Try:       curl -H 'Authorization: Bearer ${token}' '${url}/v1/bots/${bots[0] ?? 'BOT'}/conversations?version=LIVE&start_time=${new Date(Date.now() - 7 * 864e5).toISOString().slice(0, 10)}&end_time=${new Date(Date.now() + 864e5).toISOString().slice(0, 10)}&bucket=1d'`,
          );
          lines.push(
            `  Webhooks:  curl -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"target":"https://YOUR-RECEIVER/hook","event_type":"TRACKING_EVENT","version":"v1"}' '${url}/v1/bots/${bots[0] ?? 'BOT'}/subscriptions'`,
          );
        } else {
          lines.splice(1, 0, `  Dashboard: ${url}/ (sign in with a token of your team)`);
          lines.push('  Create a token: npx chatlayer-analytics token create --team TEAM --scopes read,ingest,admin');
        }
        lines.push(...webhookHandshakeLines(config.webhookVerifyTargets));
        process.stdout.write(`\n${lines.join('\n')}\n\n`);
      },
    );
}

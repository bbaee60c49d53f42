import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../src/api/server.ts';
import { createToken } from '../src/auth/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { demoTeamIds, generateDemo } from '../src/demo/generate.ts';
import { openServices } from '../src/services.ts';
import { root } from './report.ts';

/** The server in this process on a fresh data dir with the demo data `npm start` loads. */
export async function startDemoServer(
  events: number,
): Promise<{ origin: string; token: string; close(): Promise<void> }> {
  const dataDir = path.join(root, '.bench-data', `demo-${Date.now()}`);
  const config = loadConfig({ LOG_LEVEL: 'error' }, { dataDir, port: 0, host: '127.0.0.1', logLevel: 'error' });
  const services = await openServices(config);
  const team = demoTeamIds({ events: 0, days: 30, bots: 3, teams: 1 })[0] ?? 'demo-team';
  for (const batch of generateDemo({ events, days: 30, bots: 3, teams: 1, batchSize: 10_000 })) {
    await services.ingest.ingest({ teamId: team }, batch);
  }
  const { token } = await createToken(services.db, team, ['read', 'ingest', 'admin'], 'bench');
  const app = await buildServer(services, { logLevel: 'error' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return {
    origin: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    token,
    async close() {
      await app.close();
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { launchChromium } from '../test/helpers/chromium.ts';

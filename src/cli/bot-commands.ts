import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { ID_RULE, isValidId } from '../ingest/ids.ts';
import { BotRegistry } from '../store/control/bots.ts';
import { migrateControl, openControlDb } from '../store/control/db.ts';

// Bot ownership lives in the control store, which another process may open while the
// server runs (SQLite in WAL mode, or PostgreSQL); the server caches only known owners,
// so it sees a bot created here on its next lookup.
async function withBots<T>(fn: (bots: BotRegistry) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = openControlDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateControl(db);
    return await fn(new BotRegistry(db));
  } finally {
    await db.destroy();
  }
}

/** Claims `botId` for `teamId` unless it is another team's; returns why not, or undefined when it is the team's. */
export async function createBot(bots: BotRegistry, botId: string, teamId: string): Promise<string | undefined> {
  if (!isValidId(botId)) return `invalid bot id "${botId}": must be ${ID_RULE}`;
  if (!isValidId(teamId)) return `invalid team id "${teamId}": must be ${ID_RULE}`;
  const owner = await bots.claim(botId, teamId);
  return owner === teamId ? undefined : `bot "${botId}" belongs to another team; nothing was changed`;
}

export function registerBotCommands(program: Command): void {
  const bot = program.command('bot').description('manage which team owns a bot (the control store)');
  bot
    .command('create')
    .description('claim a bot for a team before its first event, e.g. to subscribe first (idempotent)')
    .requiredOption('--team <team>', 'team that owns the bot (created when new)')
    .argument('<bot>', `bot id: ${ID_RULE}`)
    .action(async (botId: string, opts: { team: string }) => {
      const refused = await withBots((bots) => createBot(bots, botId, opts.team));
      if (refused !== undefined) {
        process.stderr.write(`${refused}\n`);
        process.exitCode = 1;
        return;
      }
      process.stderr.write(`bot ${botId} belongs to team ${opts.team}\n`);
    });
  bot
    .command('list')
    .description('list bots and the team owning each')
    .option('--team <team>', 'only this team')
    .option('--json', 'print JSON')
    .action(async (opts: { team?: string; json?: boolean }) => {
      const rows = await withBots((bots) => bots.list(opts.team));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) process.stdout.write(`${r.id}\t${r.team_id}\t${r.created_at}\n`);
    });
}

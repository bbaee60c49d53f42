import type { Command } from 'commander';
import { createToken, listTokens, parseScopes, revokeToken } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { type ControlDb, migrateControl, openControlDb } from '../store/control/db.ts';

// Token commands touch only the control store, which (unlike embedded chDB) another
// process may open while the server runs: SQLite in WAL mode or PostgreSQL.
async function withControlDb<T>(fn: (db: ControlDb) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = openControlDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateControl(db);
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage API tokens (stored hashed in the control store)');
  token
    .command('create')
    .description('create a token; prints only the token (id:secret) on stdout')
    .requiredOption('--team <team>', 'team the token belongs to (created when new)')
    .option('--scopes <list>', 'comma-separated scopes: read, ingest, admin', 'read')
    .option('--name <name>', 'a label to recognise the token by', '')
    .action(async (opts: { team: string; scopes: string; name: string }) => {
      const scopes = parseScopes(opts.scopes);
      if (scopes.length === 0) throw new Error('at least one scope is required');
      const created = await withControlDb((db) => createToken(db, opts.team, scopes, opts.name));
      process.stdout.write(`${created.token}\n`);
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--team <team>', 'only this team')
    .option('--json', 'print JSON')
    .action(async (opts: { team?: string; json?: boolean }) => {
      const rows = await withControlDb((db) => listTokens(db, opts.team));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        const state = r.revoked_at ? `revoked ${r.revoked_at}` : 'active';
        process.stdout.write(`${r.id}\t${r.team_id}\t${r.scopes.join(',')}\t${state}\t${r.name}\n`);
      }
    });
  token
    .command('revoke')
    .description('revoke a token by id; it stops working at once')
    .argument('<id>', 'token id (the part before the colon)')
    .action(async (id: string) => {
      const done = await withControlDb((db) => revokeToken(db, id));
      if (!done) {
        process.stderr.write(`no active token with id ${id}\n`);
        process.exitCode = 1;
        return;
      }
      process.stderr.write(`revoked ${id}\n`);
    });
}

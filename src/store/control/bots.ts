import { ensureTeam } from '../../auth/tokens.ts';
import type { ControlDb } from './db.ts';

export interface BotInfo {
  id: string;
  team_id: string;
  created_at: string;
}

/**
 * Bot ↔ team ownership (CONTRACT §6, §7): a bot belongs to the team that first ingested
 * it, or that an operator named with `bot create`; nothing else claims one. Ownership
 * never changes once set, so it is safe to cache (the cache is bounded: it is only a cache,
 * and a replica may see any number of bots over its life).
 */
const MAX_CACHED_OWNERS = 100_000;

export class BotRegistry {
  private readonly owners = new Map<string, string>();

  constructor(private readonly db: ControlDb) {}

  async ownerOf(botId: string): Promise<string | undefined> {
    const cached = this.owners.get(botId);
    if (cached) return cached;
    const row = await this.db.selectFrom('bots').select('team_id').where('id', '=', botId).executeTakeFirst();
    if (row) {
      if (this.owners.size >= MAX_CACHED_OWNERS) this.owners.clear();
      this.owners.set(botId, row.team_id);
    }
    return row?.team_id;
  }

  /** Records `teamId` as owner when the bot is new; returns the actual owner. */
  async claim(botId: string, teamId: string): Promise<string> {
    const known = await this.ownerOf(botId);
    if (known) return known;
    await ensureTeam(this.db, teamId);
    await this.db
      .insertInto('bots')
      .values({ id: botId, team_id: teamId, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const owner = await this.ownerOf(botId);
    if (!owner) throw new Error(`bot ${botId} could not be registered`);
    return owner;
  }

  /** Every bot with its team, or one team's bots, ordered by id. */
  async list(teamId?: string): Promise<BotInfo[]> {
    let q = this.db.selectFrom('bots').select(['id', 'team_id', 'created_at']);
    if (teamId !== undefined) q = q.where('team_id', '=', teamId);
    return q.orderBy('id').execute();
  }

  async botsOfTeam(teamId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('bots').select('id').where('team_id', '=', teamId).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  async teamExists(teamId: string): Promise<boolean> {
    const row = await this.db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    return row !== undefined;
  }
}

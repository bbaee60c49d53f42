/**
 * Event definitions (CONTRACT §4, §7; CONTRACT-LIVE-API §6), from the contract only:
 * definitions created by POST plus tracking-event names seen in ingest (both versions),
 * each with its bot's `team_id`; `volume_30_day` counts tracking events of that name
 * with a timestamp in (now − 30 d, now]. The team list holds every bot of the team,
 * ordered by bot then event (code-point order).
 */
import type { Model } from './model.js';
import { compareText } from './order.js';

export interface RefDefinitionSummary {
  team_id: string;
  bot_id: string;
  event: string;
  description: string;
  volume_30_day: number;
  /** Whether `last_seen_at` is present (a name never seen in ingest has none). */
  seen: boolean;
}

export interface CreatedDefinition {
  bot_id: string;
  event: string;
  description: string;
}

const DAY_MS = 86_400_000;

export function teamDefinitions(
  model: Model,
  team: string,
  teamBots: readonly string[],
  created: readonly CreatedDefinition[],
  nowMs: number,
  onlyBot?: string,
): RefDefinitionSummary[] {
  const bots = new Set(onlyBot === undefined ? teamBots : teamBots.filter((b) => b === onlyBot));
  const out = new Map<string, RefDefinitionSummary>();
  const key = (bot: string, event: string) => JSON.stringify([bot, event]);
  for (const c of created) {
    if (!bots.has(c.bot_id)) continue;
    out.set(key(c.bot_id, c.event), { team_id: team, ...c, volume_30_day: 0, seen: false });
  }
  for (const e of model.events) {
    if (e.type !== 'tracking' || !bots.has(e.bot_id)) continue;
    const name = e.raw.event ?? '';
    const k = key(e.bot_id, name);
    const d = out.get(k) ?? {
      team_id: team,
      bot_id: e.bot_id,
      event: name,
      description: '',
      volume_30_day: 0,
      seen: false,
    };
    d.seen = true;
    if (e.ms > nowMs - 30 * DAY_MS && e.ms <= nowMs) d.volume_30_day += 1;
    out.set(k, d);
  }
  return [...out.values()].sort((a, b) => compareText(a.bot_id, b.bot_id) || compareText(a.event, b.event));
}

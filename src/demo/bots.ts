/** The shapes of the demo bot catalog (templates.ts) and the bots built from it. */
import type { TrackingAttributes } from './event.ts';
import { hash32, type Rng, Weighted } from './random.ts';
import { TEMPLATES } from './templates.ts';

export type StepType = 'bot_dialog' | 'action' | 'input_validation' | 'handover';

export interface StepDef {
  id: string;
  type: StepType;
  /** Bot messages sent on entering the step. */
  say: number;
  /** What the user must send before the flow moves on; none = the flow goes on by itself. */
  input?: 'text' | 'media';
  /** The intent NLU finds in that text answer (e.g. an order number). */
  inputIntent?: string;
  /** Chance the answer fails validation and the step runs again. */
  invalid: number;
  /** Chance the user walks away instead of answering. */
  drop: number;
  /** The step searches the knowledge base (a `kb_query` event). */
  kb?: boolean;
}

export interface TrackDef {
  event: string;
  /** Chance the branch's goal is reached and tracked. */
  p: number;
  attributes: (rng: Rng) => TrackingAttributes;
}

export interface BranchDef {
  /** Intent of the user's choice; also the branch's name. */
  intent: string;
  weight: number;
  steps: StepDef[];
  track?: TrackDef;
}

export interface BotTemplate {
  slug: string;
  /** Relative shares by channel type / language. */
  channels: Readonly<Record<string, number>>;
  languages: Readonly<Record<string, number>>;
  /** Weekend traffic relative to the global weekly shape (B2B bots are quieter at weekends). */
  weekend: number;
  /** Campaign id → source. */
  campaigns: Readonly<Record<string, string>>;
  branches: BranchDef[];
}

export interface BotProfile {
  id: string;
  teamId: string;
  /** Position in the catalog; keeps user ids distinct per bot. */
  no: number;
  template: BotTemplate;
  /** Share of the total traffic. */
  weight: number;
  salt: number;
  channels: Weighted<string>;
  languages: Weighted<string>;
  branches: Weighted<BranchDef>;
  channelIds: ReadonlyMap<string, string>;
  campaigns: ReadonlyArray<{ id: string; source: string }>;
}

export function teamIdFor(index: number): string {
  return index === 0 ? 'demo-team' : `demo-team-${index + 1}`;
}

/**
 * `count` bots cycling through the templates, assigned round-robin to `teams` teams; traffic per
 * bot falls off with its position so some bots are busy and some quiet.
 */
export function buildBots(count: number, teams: number): BotProfile[] {
  const bots: BotProfile[] = [];
  for (let no = 0; no < count; no++) {
    const template = TEMPLATES[no % TEMPLATES.length] as BotTemplate;
    const round = Math.floor(no / TEMPLATES.length);
    const id = round === 0 ? template.slug : `${template.slug}-${round + 1}`;
    const salt = hash32(no * 7919 + 17);
    const channelIds = new Map<string, string>();
    for (const channel of Object.keys(template.channels)) {
      channelIds.set(channel, `${channel}-${salt.toString(16).padStart(8, '0')}`);
    }
    bots.push({
      id,
      teamId: teamIdFor(no % teams),
      no,
      template,
      weight: 1 / Math.sqrt(no + 1),
      salt,
      channels: new Weighted(Object.entries(template.channels)),
      languages: new Weighted(Object.entries(template.languages)),
      campaigns: Object.entries(template.campaigns).map(([id, source]) => ({ id, source })),
      branches: new Weighted(template.branches.map((b) => [b, b.weight] as const)),
      channelIds,
    });
  }
  return bots;
}

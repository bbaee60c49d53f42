/**
 * Deterministic demo traffic: ingest events (CONTRACT §1) for several bots over the last `days`
 * days, streamed conversation by conversation so memory stays flat for tens of millions of events.
 *
 * Time is cut into one-hour slots weighted by hour of day, weekday, a slow growth trend and daily
 * noise; each slot gets its share of the event budget and fills it with whole conversations.
 * Users are numbered per bot; their traits come from hashing that number, and a user is never
 * given a new conversation within 16 minutes of the end of their previous one, so the server's
 * 15-minute sessionization finds exactly the conversations generated here.
 */
import { type BotProfile, buildBots, teamIdFor } from './bots.ts';
import { type Campaign, ConversationScript, type ConversationUser } from './conversation.ts';
import type { IngestEventInput } from './event.ts';
import { hash32, logUniform, mulberry32, type Rng, unit, Weighted } from './random.ts';
import { DAY, HOUR, HOURLY_WEIGHT, hourUtc, isoFormatter, MINUTE, WEEKDAY_WEIGHT, weekdayUtc } from './time.ts';

export type { IngestEventInput } from './event.ts';

export interface DemoOptions {
  /** Total events to generate (exact). */
  events: number;
  /** Span of the traffic: the `days` days before `now`. */
  days: number;
  bots: number;
  /** Teams the bots are spread over, round-robin (default 1, at most `bots`). */
  teams?: number;
  seed?: number;
  /** Default: the current time. Pass it for reproducible output. */
  now?: Date;
  /** Give every event a unique string `id` (for dedupe benchmarks). */
  withIds?: boolean;
  /** Events per yielded batch (default 5000); a batch never splits a conversation unless one is longer. */
  batchSize?: number;
}

export type DemoEvent = IngestEventInput;

/** Minimum pause between two conversations of one user: above the 15-minute session gap. */
const SESSION_GAP = 16 * MINUTE;
/** Chance a conversation is followed by another of the same user hours or days later. */
const FOLLOW_UP = 0.15;
/** Chance a conversation comes from a user never seen before. */
const NEW_USER = 0.5;
/** Chance a web or messaging conversation arrives through a campaign link. */
const CAMPAIGN = 0.12;

export function demoTeamIds(opts: DemoOptions): string[] {
  return Array.from({ length: teamCount(opts) }, (_, i) => teamIdFor(i));
}

export function* generateDemo(opts: DemoOptions): Generator<DemoEvent[]> {
  const { events, days, bots: botCount } = opts;
  const batchSize = opts.batchSize ?? 5000;
  if (!Number.isInteger(events) || events < 0) throw new RangeError('events must be a non-negative integer');
  if (!(days > 0)) throw new RangeError('days must be positive');
  if (!Number.isInteger(botCount) || botCount < 1) throw new RangeError('bots must be a positive integer');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');

  const seed = opts.seed ?? 1;
  const rng = mulberry32(seed);
  const now = Math.floor((opts.now ?? new Date()).getTime());
  const from = now - days * DAY;
  const bots = buildBots(botCount, teamCount(opts));
  const users = bots.map(() => new UserPool());
  const script = new ConversationScript(rng, now, isoFormatter());
  const slots = slotWeights(from, now, rng);
  const total = slots[slots.length - 1] ?? 0;
  const weekdayPick = botPicker(bots, false);
  const weekendPick = botPicker(bots, true);
  // Ids follow from the options like the events do: the same run again repeats them (and is
  // deduplicated by the server), another seed or `now` gives other ids.
  const idPrefix = `demo-${(seed >>> 0).toString(36)}-${now.toString(36)}-`;

  let emitted = 0;
  let batch: DemoEvent[] = [];
  const conversation: DemoEvent[] = [];
  for (let i = 0; i < slots.length && emitted < events; i++) {
    // Cumulative targets make the slots add up to exactly `events`.
    const target = i === slots.length - 1 ? events : Math.round((events * (slots[i] ?? 0)) / total);
    const slotStart = from + i * HOUR;
    const slotLength = Math.min(HOUR, now - slotStart);
    const weekend = weekdayUtc(slotStart) % 6 === 0;
    while (emitted < target) {
      const b = (weekend ? weekendPick : weekdayPick).pick(rng());
      const bot = bots[b] as BotProfile;
      const pool = users[b] as UserPool;
      let start = slotStart + rng() * slotLength;
      const userNo = pool.pick(rng, start);
      const user = userTraits(bot, userNo);
      for (;;) {
        conversation.length = 0;
        const end = script.run(bot, user, start, campaignFor(bot, user, rng), conversation);
        pool.busyUntil(userNo, end);
        const take = Math.min(conversation.length, events - emitted);
        if (batch.length + take > batchSize && batch.length > 0) {
          yield batch;
          batch = [];
        }
        for (let k = 0; k < take; k++) {
          const event = conversation[k] as DemoEvent;
          if (opts.withIds) event.id = idPrefix + (emitted + k).toString(36);
          batch.push(event);
          // Only a conversation longer than a whole batch is split.
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        emitted += take;
        // The same user comes back later: a new conversation by the 15-minute rule.
        start = end + logUniform(rng, SESSION_GAP, 3 * DAY);
        if (emitted >= events || start > now || rng() >= FOLLOW_UP) break;
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function teamCount(opts: DemoOptions): number {
  const teams = opts.teams ?? 1;
  if (!Number.isInteger(teams) || teams < 1) throw new RangeError('teams must be a positive integer');
  return Math.min(teams, Math.max(1, opts.bots));
}

/** Cumulative relative traffic of each one-hour slot from `from` to `now`. */
function slotWeights(from: number, now: number, rng: Rng): Float64Array {
  const count = Math.ceil((now - from) / HOUR);
  const cumulative = new Float64Array(count);
  const dayNoise = new Map<number, number>();
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const start = from + i * HOUR;
    const length = Math.min(HOUR, now - start);
    const mid = start + length / 2;
    const day = Math.floor(mid / DAY);
    let noise = dayNoise.get(day);
    if (noise === undefined) {
      noise = 0.85 + 0.3 * rng();
      dayNoise.set(day, noise);
    }
    const growth = 1 + (0.25 * i) / count;
    sum +=
      (HOURLY_WEIGHT[hourUtc(mid)] ?? 1) * (WEEKDAY_WEIGHT[weekdayUtc(mid)] ?? 1) * noise * growth * (length / HOUR);
    cumulative[i] = sum;
  }
  return cumulative;
}

/** Picks a bot index by traffic share; on weekends B2B-like bots lose share to consumer ones. */
function botPicker(bots: BotProfile[], weekend: boolean): Weighted<number> {
  return new Weighted(bots.map((bot, i) => [i, bot.weight * (weekend ? bot.template.weekend : 1)] as const));
}

/** A user's channel, language and version follow from their number: no per-user state to keep. */
function userTraits(bot: BotProfile, userNo: number): ConversationUser {
  const h1 = hash32(bot.salt ^ userNo);
  const h2 = hash32(h1 ^ 0x9e3779b9);
  const h3 = hash32(h2 ^ 0x85ebca6b);
  // About 3% of users are testers talking to the DRAFT version in the web preview.
  const draft = unit(h3) < 0.03;
  return {
    userId: `u${bot.no}-${userNo.toString(36)}`,
    channel: draft ? 'web' : bot.channels.pick(unit(h1)),
    language: bot.languages.pick(unit(h2)),
    version: draft ? 'DRAFT' : 'LIVE',
  };
}

function campaignFor(bot: BotProfile, user: ConversationUser, rng: Rng): Campaign | undefined {
  const campaigns = bot.campaigns;
  if (user.channel === 'voice' || user.version === 'DRAFT' || campaigns.length === 0 || rng() >= CAMPAIGN)
    return undefined;
  return campaigns[Math.floor(rng() * campaigns.length)];
}

/**
 * One bot's users: how many exist so far and when each is free again. 8 bytes per user (a few MB
 * for millions of users) is the only state that grows with the run.
 */
class UserPool {
  private count = 0;
  private busy = new Float64Array(1024);

  /** A returning user free at `start`, else a new one. */
  pick(rng: Rng, start: number): number {
    if (this.count > 0 && rng() >= NEW_USER) {
      for (let tries = 0; tries < 3; tries++) {
        // A quarter come from the oldest, loyal users; the rest lean towards recent ones.
        const n = this.count;
        const no =
          rng() < 0.25 ? Math.floor(rng() * Math.max(1, Math.ceil(n * 0.03))) : n - 1 - Math.floor(n * rng() ** 3);
        if ((this.busy[no] ?? 0) + SESSION_GAP <= start) return no;
      }
    }
    if (this.count === this.busy.length) {
      const grown = new Float64Array(this.busy.length * 2);
      grown.set(this.busy);
      this.busy = grown;
    }
    this.busy[this.count] = Number.NEGATIVE_INFINITY;
    return this.count++;
  }

  busyUntil(no: number, end: number): void {
    this.busy[no] = end;
  }
}

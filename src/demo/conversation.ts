/**
 * One conversation's script: the user opens, the bot walks its flow graph (welcome → main_menu →
 * branch steps → anything_else → goodbye) and the user answers, fails to be understood, retries,
 * or walks away. Events are appended in time order; any that would lie after `now` are left out.
 */
import type { BotProfile, BranchDef, StepDef, TrackDef } from './bots.ts';
import type { BotVersion, CommonEventFields, IngestEventInput } from './event.ts';
import { between, hash32, intBetween, logUniform, type Rng } from './random.ts';
import { MINUTE, SECOND } from './time.ts';

/** Share of user text messages NLU does not understand (intent null). */
const NOT_UNDERSTOOD = 0.12;

export interface ConversationUser {
  userId: string;
  channel: string;
  language: string;
  version: BotVersion;
}

export interface Campaign {
  id: string;
  source: string;
}

type Base = Omit<CommonEventFields, 'timestamp'> & { user_id: string };

// Knowledge-base article topics (kb_query `tags`, CONTRACT-LIVE-API §5).
const KB_TOPICS = ['billing', 'shipping', 'returns', 'account', 'pricing', 'opening-hours', 'warranty', 'privacy'];

/**
 * The step's own tag, one or two topics and an article, picked by a hash of the query's time rather
 * than the generator's random stream, so every other demo event stays what it was.
 */
function kbTags(stepId: string, t: number): string[] {
  const h = hash32(Math.floor(t) >>> 0);
  const tags = [stepId, KB_TOPICS[h % KB_TOPICS.length] as string];
  if (h & 0x100) tags.push(KB_TOPICS[(h >>> 9) % KB_TOPICS.length] as string);
  // The article that answered: a few hundred per bot, so the ranking's 100-tag cut matters.
  tags.push(`article-${(h >>> 13) % 300}`);
  return tags;
}

export class ConversationScript {
  private t = 0;
  private base: Base = { team_id: '', bot_id: '', version: 'LIVE', user_id: '' };
  private voice = false;
  private messaging = false;
  private out: IngestEventInput[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly now: number,
    private readonly iso: (ms: number) => string,
  ) {}

  /** Appends the conversation's events to `out`; returns the time of its last event (may be after `now`). */
  run(bot: BotProfile, user: ConversationUser, start: number, campaign: Campaign | undefined, out: IngestEventInput[]) {
    const rng = this.rng;
    this.t = start;
    this.out = out;
    this.voice = user.channel === 'voice';
    this.messaging = !this.voice && user.channel !== 'web';
    this.base = {
      team_id: bot.teamId,
      bot_id: bot.id,
      version: user.version,
      user_id: user.userId,
      channel_type: user.channel,
      channel_id: bot.channelIds.get(user.channel) ?? user.channel,
      language: user.language,
    };
    if (campaign) {
      this.base.campaign_id = campaign.id;
      this.base.campaign_source = campaign.source;
    }

    // A proactive web greeting that most visitors ignore: a bot-only conversation.
    const greeted = user.channel === 'web' && rng() < 0.05;
    if (greeted) {
      this.step('welcome', 'bot_dialog');
      this.botSays(1);
      if (rng() < 0.6) return this.t;
    }

    let branch: BranchDef | undefined;
    if (rng() < 0.35) {
      // Users who state their need right away skip the menu when NLU gets it.
      const wanted = bot.branches.pick(rng());
      if (this.userText(wanted.intent)) branch = wanted;
    } else if (user.channel === 'messenger' && rng() < 0.5) {
      this.userButton(); // "Get started"
    } else {
      this.userText('greeting');
    }
    if (!greeted) {
      this.step('welcome', 'bot_dialog');
      this.botSays(this.voice ? 1 : intBetween(rng, 1, 2));
    }

    for (let round = 0; round < 3; round++) {
      branch ??= this.menu(bot);
      if (!branch || !this.runBranch(branch)) break;
      if (branch.track) this.track(branch.track);
      this.step('anything_else', 'bot_dialog');
      this.botSays(1);
      const r = rng();
      if (r < 0.22 && round < 2) {
        if (this.voice || rng() < 0.5) this.userText('main_menu');
        else this.userButton();
        branch = undefined;
        continue;
      }
      if (r < 0.75) {
        this.userText(rng() < 0.5 ? 'thanks' : 'goodbye');
        this.step('goodbye', 'bot_dialog');
        this.botSays(1);
        if (rng() < 0.25) this.track(CSAT);
      }
      break; // else the user leaves without a word: a drop-off at anything_else
    }

    if (this.voice) this.voiceCall(start);
    return this.t;
  }

  /** Shows the menu until the user's choice is understood; undefined = the user gave up. */
  private menu(bot: BotProfile): BranchDef | undefined {
    const rng = this.rng;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.step('main_menu', 'bot_dialog');
      this.botSays(1);
      if (rng() < 0.1) return undefined;
      const choice = bot.branches.pick(rng());
      if (!this.voice && rng() < 0.55) {
        this.userButton();
        return choice;
      }
      if (!this.voice && rng() < 0.05)
        this.userMedia(); // a sticker or photo the menu cannot use
      else if (this.userText(choice.intent)) return choice;
      this.step('fallback', 'bot_dialog');
      this.botSays(1);
      if (attempt === 1 && rng() < 0.5) return bot.template.branches.find((b) => b.intent === 'handover');
    }
    return undefined;
  }

  /** Walks the branch's steps; false = the user walked away. */
  private runBranch(branch: BranchDef): boolean {
    for (const s of branch.steps) {
      for (let run = 1; ; run++) {
        this.step(s.id, s.type);
        if (s.kb) this.kbQuery(s.id);
        this.botSays(s.say);
        if (!s.input) break;
        if (this.rng() < s.drop) return false;
        let understood = true;
        if (s.input === 'media') this.userMedia();
        else understood = this.userText(s.inputIntent ?? s.id);
        // An invalid answer runs the same step again (a self-loop in the flow graph), at most twice.
        if (run >= 3 || (understood && this.rng() >= s.invalid)) break;
      }
    }
    return true;
  }

  /**
   * The fields every event of the conversation shares, written out as a literal: object spread of a
   * shared base followed by more keys made V8 build slow dictionary objects (~100x slower here).
   */
  private common<T extends IngestEventInput['type']>(type: T, timestamp: string) {
    const b = this.base;
    const event: Omit<CommonEventFields, 'user_id'> & { type: T; user_id: string } = {
      type,
      timestamp,
      team_id: b.team_id,
      bot_id: b.bot_id,
      version: b.version,
      user_id: b.user_id,
      channel_type: b.channel_type,
      channel_id: b.channel_id,
      language: b.language,
    };
    if (b.campaign_id !== undefined) {
      event.campaign_id = b.campaign_id;
      event.campaign_source = b.campaign_source;
    }
    return event;
  }

  private stamp(): string | undefined {
    return this.t <= this.now ? this.iso(this.t) : undefined;
  }

  /** Time the user takes to answer: seconds on voice, up to minutes on messaging apps (always < 15 min). */
  private think(): void {
    const rng = this.rng;
    this.t += this.voice
      ? logUniform(rng, SECOND, 6 * SECOND)
      : this.messaging
        ? logUniform(rng, 4 * SECOND, 4 * MINUTE)
        : logUniform(rng, 3 * SECOND, 45 * SECOND);
  }

  private userText(intent: string): boolean {
    this.think();
    const understood = this.rng() >= NOT_UNDERSTOOD;
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('message', timestamp), {
          direction: 'user' as const,
          kind: 'text' as const,
          intent: understood ? intent : null,
          confidence: Math.round(understood ? between(this.rng, 550, 1000) : between(this.rng, 50, 450)) / 1000,
        }),
      );
    return understood;
  }

  private userButton(): void {
    this.think();
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('message', timestamp), { direction: 'user' as const, kind: 'button' as const }),
      );
  }

  private userMedia(): void {
    this.think();
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('message', timestamp), { direction: 'user' as const, kind: 'media' as const }),
      );
  }

  private botSays(count: number): void {
    for (let i = 0; i < count; i++) {
      this.t += this.voice ? between(this.rng, 800, 3000) : between(this.rng, 300, 1500);
      const timestamp = this.stamp();
      if (timestamp) this.out.push(Object.assign(this.common('message', timestamp), { direction: 'bot' as const }));
    }
  }

  private step(stepId: string, stepType: StepDef['type']): void {
    this.t += between(this.rng, 20, 150);
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(Object.assign(this.common('step', timestamp), { step_id: stepId, step_type: stepType }));
  }

  private track(def: TrackDef): void {
    if (this.rng() >= def.p) return;
    this.t += between(this.rng, 5, 50);
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('tracking', timestamp), { event: def.event, attributes: def.attributes(this.rng) }),
      );
  }

  private kbQuery(stepId: string): void {
    this.t += between(this.rng, 50, 400);
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('kb_query', timestamp), { answered: this.rng() < 0.8, tags: kbTags(stepId, this.t) }),
      );
  }

  /** Voice usage is reported once per call, when it hangs up. */
  private voiceCall(start: number): void {
    this.t += between(this.rng, 200, 2000);
    const timestamp = this.stamp();
    if (timestamp)
      this.out.push(
        Object.assign(this.common('voice_call', timestamp), {
          duration_seconds: Math.round((this.t - start) / SECOND),
        }),
      );
  }
}

const CSAT: TrackDef = {
  event: 'csat_submitted',
  p: 1,
  attributes: (rng) => ({ score: Math.min(5, intBetween(rng, 1, 6)) }),
};

import type { Principal } from '../auth/tokens.ts';
import { GrpcCode, ServiceError } from '../errors.ts';
import type { BotRegistry } from '../store/control/bots.ts';
import type { ValidEvent } from './event.ts';
import { type GroupCommitWriter, type IngestResult, queueFull } from './group-commit.ts';
import { MAX_EVENTS } from './parse.ts';
import { type TrackInput, trackError, trackToIngestEvent } from './track.ts';
import { validateEvents } from './validate.ts';

/** Validate → tenancy → group commit. Transport-free: the HTTP route and the demo loader share it. */
export class IngestService {
  constructor(
    private readonly bots: BotRegistry,
    private readonly writer: GroupCommitWriter,
  ) {}

  async ingest(principal: Pick<Principal, 'teamId'>, raw: readonly unknown[]): Promise<IngestResult> {
    if (raw.length > MAX_EVENTS) {
      throw new ServiceError(GrpcCode.RESOURCE_EXHAUSTED, `a request holds at most ${MAX_EVENTS} events`);
    }
    const checked = validateEvents(raw);
    if (!checked.ok) {
      throw new ServiceError(
        GrpcCode.INVALID_ARGUMENT,
        `${checked.errorCount} of ${raw.length} events are invalid; nothing was stored`,
        { details: checked.errors },
      );
    }
    return this.store(principal, checked.events);
  }

  /**
   * TrackEvent (CONTRACT-LIVE-API §1): one tracking event for `botId`, through the same
   * validation, tenancy, dedupe and group commit as ingest. Answers the event's id (the
   * client's, or the generated one), also when it was a duplicate and stored nothing.
   */
  async track(
    principal: Pick<Principal, 'teamId'>,
    botId: string,
    input: TrackInput,
    nowMs = Date.now(),
  ): Promise<{ eventId: string; result: IngestResult }> {
    const { raw, fieldOf } = trackToIngestEvent(principal.teamId, botId, input, nowMs);
    const checked = validateEvents([raw], nowMs);
    if (!checked.ok) throw trackError(checked.errors[0] ?? { index: 0, reason: 'invalid event' }, fieldOf);
    const [ev] = checked.events;
    if (!ev) throw new ServiceError(GrpcCode.INTERNAL, 'a valid TrackEvent gave no event');
    ev.via = 'track';
    return { eventId: ev.id, result: await this.store(principal, [ev]) };
  }

  /** Tenancy (team of the token, bot claimed or the team's), then the group commit. */
  private async store(principal: Pick<Principal, 'teamId'>, events: ValidEvent[]): Promise<IngestResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0 };
    const botTeams = new Map<string, string>();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      if (!ev) continue;
      if (ev.teamId !== principal.teamId) {
        throw new ServiceError(
          GrpcCode.PERMISSION_DENIED,
          `event ${i} is for team "${ev.teamId}", which this token does not belong to; nothing was stored`,
          { details: [{ index: i, reason: 'team_id does not match the token' }] },
        );
      }
      botTeams.set(ev.botId, ev.teamId);
    }
    // Refuse early when ingest is behind, before any bot is claimed.
    if (!this.writer.hasRoomFor(events.length)) throw queueFull();
    // Check every bot before claiming any, so a refused request registers nothing.
    for (const [botId, teamId] of botTeams) {
      const owner = await this.bots.ownerOf(botId);
      if (owner !== undefined && owner !== teamId) throw botOfOtherTeam(botId);
    }
    for (const [botId, teamId] of botTeams) {
      if ((await this.bots.claim(botId, teamId)) !== teamId) throw botOfOtherTeam(botId);
    }
    return this.writer.write(events);
  }
}

const botOfOtherTeam = (botId: string): ServiceError =>
  new ServiceError(GrpcCode.PERMISSION_DENIED, `bot "${botId}" belongs to another team; nothing was stored`);

import type { StoredEvent } from './event.ts';

/** Column order of the JSONCompactEachRow insert into `events`. */
export const EVENT_COLUMNS = [
  'team_id',
  'bot_id',
  'version',
  'type',
  'ts',
  'seq',
  'id',
  'id_supplied',
  'ingested_at',
  'user_id',
  'conversation_id',
  'channel_type',
  'channel_id',
  'language',
  'campaign_id',
  'campaign_source',
  'direction',
  'kind',
  'intent',
  'has_intent',
  'confidence',
  'step_id',
  'step_type',
  'event_name',
  'attributes',
  'duration_seconds',
  'answered',
  'tags',
] as const;

// Epoch ms as DateTime64(3) text; numeric input would need a format setting that
// differs between chDB and servers, the text form works on both.
export const chTime = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');

// Every row of a flush shares its ingested_at: format it once, not once per row.
let ingestedMs = Number.NaN;
let ingestedText = '';
const ingestedAtText = (ms: number): string => {
  if (ms !== ingestedMs) {
    ingestedText = chTime(ms);
    ingestedMs = ms;
  }
  return ingestedText;
};

export function toRow(e: StoredEvent): unknown[] {
  return [
    e.teamId,
    e.botId,
    e.version,
    e.type,
    chTime(e.tsMs),
    e.seq,
    e.id,
    e.idSupplied ? 1 : 0,
    ingestedAtText(e.ingestedAtMs),
    e.userId,
    e.conversationId,
    e.channelType,
    e.channelId,
    e.language,
    e.campaignId,
    e.campaignSource,
    e.direction,
    e.kind,
    e.intent ?? '',
    e.intent === null ? 0 : 1,
    e.confidence,
    e.stepId,
    e.stepType,
    e.eventName,
    e.attributes,
    e.durationSeconds,
    e.answered ? 1 : 0,
    e.tags,
  ];
}

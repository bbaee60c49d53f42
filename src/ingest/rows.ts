import type { StoredEvent, ValidEvent } from './event.ts';

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

/**
 * A row's JSON text around the two values only the flush's transaction decides (seq and,
 * for sessionized events, conversation_id), built before the transaction so the
 * transaction holds the control store for as short as possible.
 */
export interface RowParts {
  /** `[team, bot, version, type, ts,` */
  head: string;
  /** `,id, id_supplied, ingested_at, user_id,` */
  mid: string;
  /** `,channel_type, … tags]` */
  tail: string;
}

const J = JSON.stringify;

// Written out field by field (no intermediate array per event): this runs for every event
// on the thread that also serves HTTP (measured: the per-event main-thread cost of a flush
// is what bounds embedded ingest on 2 cores).
export function rowParts(e: ValidEvent, ingestedAtMs: number): RowParts {
  return {
    head: `[${J(e.teamId)},${J(e.botId)},${J(e.version)},${J(e.type)},"${chTime(e.tsMs)}",`,
    mid: `,${J(e.id)},${e.idSupplied ? 1 : 0},"${ingestedAtText(ingestedAtMs)}",${J(e.userId)},`,
    tail:
      `,${J(e.channelType)},${J(e.channelId)},${J(e.language)},${J(e.campaignId)},${J(e.campaignSource)},` +
      `${J(e.direction)},${J(e.kind)},${J(e.intent ?? '')},${e.intent === null ? 0 : 1},${J(e.confidence)},` +
      `${J(e.stepId)},${J(e.stepType)},${J(e.eventName)},${J(e.attributes)},${J(e.durationSeconds)},` +
      `${e.answered ? 1 : 0},${J(e.tags)}]`,
  };
}

/** The JSONCompactEachRow line of `e` (equal to JSON.stringify(toRow(e))). */
export const joinRow = (parts: RowParts, e: StoredEvent): string =>
  parts.head + e.seq + parts.mid + JSON.stringify(e.conversationId) + parts.tail;

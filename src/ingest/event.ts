export const EVENT_TYPES = ['message', 'step', 'tracking', 'voice_call', 'kb_query'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const VERSIONS = ['DRAFT', 'LIVE'] as const;
export type BotVersion = (typeof VERSIONS)[number];

/** An event after validation: every field present, defaults applied, time as epoch ms. */
export interface ValidEvent {
  id: string;
  idSupplied: boolean;
  type: EventType;
  tsMs: number;
  teamId: string;
  botId: string;
  version: BotVersion;
  userId: string;
  conversationId: string;
  /**
   * 'track': a tracking event written by TrackEvent (CONTRACT-LIVE-API §1). It never opens
   * a conversation: with a conversation id it joins that one, without one it joins the
   * user's conversation open at its time (or stays without one), and in both cases takes
   * the conversation's channel_type, channel_id and language.
   */
  via?: 'track';
  channelType: string;
  channelId: string;
  language: string;
  campaignId: string;
  campaignSource: string;
  direction: string;
  kind: string;
  /** null = not understood (text message without intent). */
  intent: string | null;
  confidence: number | null;
  stepId: string;
  stepType: string;
  eventName: string;
  /** JSON text of the flat attributes object. */
  attributes: string;
  durationSeconds: number;
  answered: boolean;
  /** kb_query tags as sent (a repeat is kept; readers count a tag once per query). */
  tags: string[];
}

/** A stored event: a valid one plus what the pipeline assigned. */
export interface StoredEvent extends ValidEvent {
  seq: number;
  ingestedAtMs: number;
}

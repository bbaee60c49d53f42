/**
 * In-memory model of what the service has stored after ingesting a list of
 * events: deduplicated events with defaults applied, and conversations
 * (CONTRACT §1, §2, §7).
 *
 * Input order is ingest order; all events are taken as accepted at the same
 * moment, so the 24 h dedupe window of §1 always applies.
 */
import { parseInstantMs } from './buckets.js';
import type { RefEvent, RefEventType, RefVersion } from './events.js';
import { sessionizeInIngestOrder } from './track.js';

/** §2: "no gap of 15 minutes or more (configurable)". */
export const DEFAULT_SESSION_GAP_MS = 15 * 60 * 1000;

export interface ModelEvent {
  /** Position in the posted list (duplicates included): the "ingest order" tie-breaker. */
  seq: number;
  raw: RefEvent;
  type: RefEventType;
  team_id: string;
  bot_id: string;
  version: RefVersion;
  user_id: string | undefined;
  /** Epoch milliseconds (a SQL engine with DateTime64(3) keeps ms; finer digits are truncated). */
  ms: number;
  /** Defaults of §1 applied (a TrackEvent event: its conversation's, see track.ts). */
  channel_type: string;
  language: string;
  /** '' when absent (a TrackEvent event: its conversation's). */
  channel_id: string;
  /** Key into `Model.conversations`; undefined for voice_call / kb_query. */
  conversationKey: string | undefined;
}

export interface StepVisit {
  step_id: string;
  /** '' when the event carried none. */
  step_type: string;
  ms: number;
  seq: number;
}

export interface Conversation {
  /** Internal unique key: supplied ids and generated ones live in separate namespaces. */
  key: string;
  conversation_id: string;
  supplied: boolean;
  team_id: string;
  bot_id: string;
  version: RefVersion;
  /** From the first event (ties by ingest order), like the other descriptive fields. */
  user_id: string | undefined;
  channel_type: string;
  language: string;
  campaign_id: string | undefined;
  campaign_source: string | undefined;
  startMs: number;
  /** Time of the last event (§4 insights: duration = last − first event). */
  endMs: number;
  /** Number of `message` events with `direction = user`. */
  userMessages: number;
  /** `step` events ordered by timestamp, ties by ingest order (§2 Flow). */
  steps: StepVisit[];
  /** All events, ordered by timestamp then ingest order. */
  events: ModelEvent[];
}

export interface Model {
  /** Accepted events in ingest order. */
  events: ModelEvent[];
  /** Ordered by start, then by the ingest position of the first event. */
  conversations: Conversation[];
  accepted: number;
  duplicates: number;
}

export interface ModelOptions {
  sessionGapMs?: number;
}

/**
 * Absent, null or empty channel_type / language become `unknown`.
 * Decision: an explicit empty string is treated like an absent value, since
 * "unknown" is what a dashboard user would expect to see for it.
 */
function orUnknown(v: string | null | undefined): string {
  return v === undefined || v === null || v === '' ? 'unknown' : v;
}

function formsConversations(t: RefEventType): boolean {
  // §7: only message, step and tracking events form conversations.
  return t === 'message' || t === 'step' || t === 'tracking';
}

function byTimeThenSeq(a: { ms: number; seq: number }, b: { ms: number; seq: number }): number {
  return a.ms - b.ms || a.seq - b.seq;
}

/** Drops duplicates (§1, §7): a repeated `id` for the same bot is skipped before anything else. */
function dedupe(events: RefEvent[]): { kept: Array<{ seq: number; raw: RefEvent }>; duplicates: number } {
  const seen = new Set<string>();
  const kept: Array<{ seq: number; raw: RefEvent }> = [];
  let duplicates = 0;
  events.forEach((raw, seq) => {
    if (raw.id !== undefined) {
      const k = JSON.stringify([raw.bot_id, raw.id]);
      if (seen.has(k)) {
        duplicates += 1;
        return;
      }
      seen.add(k);
    }
    kept.push({ seq, raw });
  });
  return { kept, duplicates };
}

function toModelEvent(seq: number, raw: RefEvent): ModelEvent {
  return {
    seq,
    raw,
    type: raw.type,
    team_id: raw.team_id,
    bot_id: raw.bot_id,
    version: raw.version,
    user_id: raw.user_id,
    ms: parseInstantMs(raw.timestamp),
    channel_type: orUnknown(raw.channel_type),
    language: orUnknown(raw.language),
    channel_id: raw.channel_id ?? '',
    conversationKey: undefined,
  };
}

/**
 * Assigns `conversationKey` to every message/step/tracking event.
 *
 * Supplied ids are scoped to bot+version and used as is (no gap splitting,
 * may span users/channels). Decision: an empty-string `conversation_id` is
 * treated as absent. Events with a supplied id do not take part in the
 * sessionization of the others, so they neither bridge nor split a gap.
 */
function sessionize(events: ModelEvent[], gapMs: number): void {
  const runs = new Map<string, ModelEvent[]>();
  for (const e of events) {
    if (!formsConversations(e.type)) continue;
    const cid = e.raw.conversation_id;
    if (cid !== undefined && cid !== '') {
      e.conversationKey = JSON.stringify(['supplied', e.bot_id, e.version, cid]);
      continue;
    }
    // §7: sessionization keys on bot, version, user and channel_type.
    const k = JSON.stringify([e.bot_id, e.version, e.user_id ?? '', e.channel_type]);
    const list = runs.get(k);
    if (list === undefined) runs.set(k, [e]);
    else list.push(e);
  }
  for (const [k, list] of runs) {
    list.sort(byTimeThenSeq);
    let prev: ModelEvent | undefined;
    let current = '';
    for (const e of list) {
      // A gap of exactly 15:00 splits; 14:59.999 stays.
      if (prev === undefined || e.ms - prev.ms >= gapMs) {
        current = JSON.stringify(['auto', k, e.seq]);
      }
      e.conversationKey = current;
      prev = e;
    }
  }
}

function buildConversation(key: string, members: ModelEvent[], n: number): Conversation {
  members.sort(byTimeThenSeq);
  const first = members[0];
  const last = members[members.length - 1];
  if (first === undefined || last === undefined) throw new Error('empty conversation');
  const supplied = key.startsWith('["supplied"');
  const steps: StepVisit[] = [];
  let userMessages = 0;
  for (const e of members) {
    if (e.type === 'message' && e.raw.direction === 'user') userMessages += 1;
    if (e.type === 'step') {
      steps.push({ step_id: e.raw.step_id ?? '', step_type: e.raw.step_type ?? '', ms: e.ms, seq: e.seq });
    }
  }
  return {
    key,
    conversation_id: supplied ? (first.raw.conversation_id ?? '') : `ref-auto-${n}`,
    supplied,
    team_id: first.team_id,
    bot_id: first.bot_id,
    version: first.version,
    user_id: first.user_id,
    channel_type: first.channel_type,
    language: first.language,
    campaign_id: first.raw.campaign_id,
    campaign_source: first.raw.campaign_source,
    startMs: first.ms,
    endMs: last.ms,
    userMessages,
    steps,
    events: members,
  };
}

export function buildModel(events: RefEvent[], options: ModelOptions = {}): Model {
  const { kept, duplicates } = dedupe(events);
  const modelEvents = kept.map(({ seq, raw }) => toModelEvent(seq, raw));
  const gapMs = options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
  // With TrackEvent events the order of arrival matters (each joins what was accepted
  // before it), so the conversations are built in ingest order (track.ts).
  if (modelEvents.some((e) => e.raw.via === 'track')) sessionizeInIngestOrder(modelEvents, gapMs);
  else sessionize(modelEvents, gapMs);

  const groups = new Map<string, ModelEvent[]>();
  for (const e of modelEvents) {
    if (e.conversationKey === undefined) continue;
    const list = groups.get(e.conversationKey);
    if (list === undefined) groups.set(e.conversationKey, [e]);
    else list.push(e);
  }
  const conversations: Conversation[] = [];
  for (const [key, members] of groups) conversations.push(buildConversation(key, members, conversations.length));
  conversations.sort((a, b) => a.startMs - b.startMs || (a.events[0]?.seq ?? 0) - (b.events[0]?.seq ?? 0));

  return { events: modelEvents, conversations, accepted: modelEvents.length, duplicates };
}

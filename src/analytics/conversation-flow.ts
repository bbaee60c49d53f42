/**
 * One conversation's flow (CONTRACT-LIVE-API §4, Analytics_GetConversationFlow): the
 * conversation's step events in flow order (timestamp, ties by ingest order = seq) as
 * transitions from the previous step, closed by a DROPOFF transition; or, for one user
 * message, only the transitions between it and the conversation's next user message.
 *
 * A conversation id is scoped to its bot and version (CONTRACT §7), so the key is
 * team + bot + version + conversation_id. Its events are read from `events`, narrowed
 * to the conversation's [start, end] taken from `conversation_summary` (a primary-key
 * lookup), so the scan is the bot's events of those few minutes, not all of its history.
 */
import { notFound } from '../errors.ts';
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { defineQuery, num, str } from './query.ts';
import type { BotVersion } from './sql.ts';
import type { TimeRange } from './time-range.ts';

/** A dialog state as the published API names it (`Step`). */
export interface Step {
  id: string;
  type: string;
}

export interface FlowTransition {
  id: string;
  from_step: Step;
  to_step: Step;
  depth: number;
  timestamp: string;
}

export interface ConversationFlow {
  bot_id: string;
  conversation_id: string;
  user_id: string;
  transitions: FlowTransition[];
}

export interface ConversationFlowRequest {
  teamId: string;
  botId: string;
  version: BotVersion;
  conversationId: string;
  /** Only its start/end matter: the conversation must have an event in [start, end). */
  range: TimeRange;
  /** A user message of the conversation; absent = the whole flow. */
  messageId: string | undefined;
}

export const DROPOFF_STEP: Step = { id: 'DROPOFF', type: 'DROPOFF' };
const NO_STEP: Step = { id: '', type: '' };

/** One conversation event, already in flow order (ts, seq). */
export interface ConversationEventRow {
  id: string;
  type: string;
  direction: string;
  step_id: string;
  step_type: string;
  user_id: string;
  ms: number;
}

/**
 * SQL: the conversation's message/step/tracking events (the types that form
 * conversations, CONTRACT §7) in flow order. The two scalar subqueries bound `ts` with
 * the conversation's start and end so the primary key (…, type, ts, seq) prunes the scan;
 * for an unknown conversation they are the epoch and nothing matches.
 */
export const CONVERSATION_EVENTS_SQL = `
  SELECT id, toString(type) AS type, toString(direction) AS direction, step_id,
         toString(step_type) AS step_type, user_id, toUnixTimestamp64Milli(ts) AS ms
  FROM events
  WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
    AND type IN ('message', 'step', 'tracking')
    AND conversation_id = {conversation:String}
    AND ts >= (SELECT min(start_ts) FROM conversation_summary
               WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
                 AND conversation_id = {conversation:String})
    AND ts <= (SELECT max(end_ts) FROM conversation_summary
               WHERE team_id = {team:String} AND bot_id = {bot:String} AND version = {version:String}
                 AND conversation_id = {conversation:String})
  ORDER BY ts, seq`;

const isUserMessage = (e: ConversationEventRow): boolean => e.type === 'message' && e.direction === 'user';

/**
 * The answer from the conversation's events in flow order (pure, so the rules are in one
 * place): 404 when none is in range or when `messageId` is not one of its user messages.
 */
export function conversationFlowFrom(req: ConversationFlowRequest, events: ConversationEventRow[]): ConversationFlow {
  if (!events.some((e) => e.ms >= req.range.startMs && e.ms < req.range.endMs)) {
    throw notFound(`conversation "${req.conversationId}"`);
  }
  const transitions: FlowTransition[] = [];
  // Position in `events` of each transition's step event (for the message window).
  const positions: number[] = [];
  let previous = NO_STEP;
  events.forEach((e, i) => {
    if (e.type !== 'step') return;
    const step = { id: e.step_id, type: e.step_type };
    transitions.push({
      id: e.id,
      from_step: previous,
      to_step: step,
      depth: transitions.length + 1,
      timestamp: new Date(e.ms).toISOString(),
    });
    positions.push(i);
    previous = step;
  });
  const first = events[0];
  const last = events[events.length - 1];
  const base = { bot_id: req.botId, conversation_id: req.conversationId, user_id: first?.user_id ?? '' };

  if (req.messageId === undefined) {
    if (transitions.length > 0 && last) {
      transitions.push({
        id: '',
        from_step: previous,
        to_step: DROPOFF_STEP,
        depth: transitions.length + 1,
        timestamp: new Date(last.ms).toISOString(),
      });
    }
    return { ...base, transitions };
  }

  // The first user message with that id (an id repeats only after the 24 h dedupe window).
  const at = events.findIndex((e) => isUserMessage(e) && e.id === req.messageId);
  if (at < 0) throw notFound(`user message "${req.messageId}" of conversation "${req.conversationId}"`);
  const nextAt = events.findIndex((e, i) => i > at && isUserMessage(e));
  const until = nextAt < 0 ? events.length : nextAt;
  return {
    ...base,
    transitions: transitions.filter((_, k) => (positions[k] ?? -1) > at && (positions[k] ?? -1) < until),
  };
}

const conversationEvents = defineQuery({
  build: (req: ConversationFlowRequest) => ({
    sql: CONVERSATION_EVENTS_SQL,
    params: { team: req.teamId, bot: req.botId, version: req.version, conversation: req.conversationId },
  }),
  columns: { id: str, type: str, direction: str, step_id: str, step_type: str, user_id: str, ms: num },
});

export async function getConversationFlow(
  reader: AnalyticsReader,
  req: ConversationFlowRequest,
  signal: AbortSignal | undefined,
): Promise<ConversationFlow> {
  return conversationFlowFrom(req, await conversationEvents(reader, req, signal));
}

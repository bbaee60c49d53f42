import { isEventFieldKey } from '../../analytics/attribute-filters.ts';
import { attributeValues } from '../../analytics/attribute-values.ts';
import {
  isStreamPosition,
  listTrackingEvents,
  matchDigest,
  type StreamMatch,
  type StreamPosition,
  type TrackingEventOut,
} from '../../analytics/event-stream.ts';
import type { TimeRange } from '../../analytics/time-range.ts';
import type { BotVersion } from '../../ingest/event.ts';
import { ATTRIBUTE_KEY_MAX_CHARS, FIELD_MAX_CHARS } from '../../ingest/limits.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { badParam } from '../errors.ts';
import { parsePageSize } from '../page-tokens.ts';
import { rangeParam, textParam } from '../params.ts';
import { asField, attributeValuesBody, streamBody } from '../stream-body.ts';

interface StreamPage {
  events: TrackingEventOut[];
  next_page_token: string;
}

/**
 * One page of a bot's tracking-event stream, shared by the GET and the POST. The token's
 * scope names the whole query (bot, version, instants of the range, and a digest of the
 * exact matches and filters), so a token used with anything else is a 400 naming
 * page_token. The GET and a POST with the same matches and no `filters` are one query:
 * a token of either works on the other.
 */
export async function botStreamPage(
  ctx: Pick<HandlerContext, 'principal' | 'params' | 'services' | 'signal'>,
  q: { version: BotVersion; range: TimeRange; match: StreamMatch; pageSize: number; pageToken: unknown },
  /** Where page_token came from: its 400 names the query parameter or the body field. */
  tokenIn: 'query' | 'body',
): Promise<StreamPage> {
  const botId = ctx.params.bot_id as string;
  const scope = `stream:${botId}:${q.version}:${q.range.startMs}:${q.range.endMs}:${matchDigest(q.match)}`;
  const open = (): StreamPosition | undefined => {
    const pos = ctx.services.pageTokens.open('page_token', q.pageToken, scope);
    if (pos !== undefined && !isStreamPosition(pos)) throw badParam('page_token', 'is not a valid page token');
    return pos;
  };
  const pos = tokenIn === 'body' ? asField(open) : open();
  const page = await listTrackingEvents(
    ctx.services.reader,
    {
      teamId: ctx.principal.teamId,
      botId,
      version: q.version,
      range: q.range,
      match: q.match,
      pageSize: q.pageSize,
      after: pos,
    },
    ctx.signal,
  );
  return { events: page.events, next_page_token: page.next ? ctx.services.pageTokens.seal(scope, page.next) : '' };
}

export const eventStreamHandlers: Record<string, Handler> = {
  // POST /v1/bots/{bot_id}/events/stream
  Analytics_ListEventsWithFilters: async (ctx) => {
    const b = streamBody(ctx.body, ctx.query);
    return botStreamPage(ctx, b, 'body');
  },

  // GET /v1/teams/{team_id}/events
  Analytics_GetTeamEvents: async ({ query, principal, services, signal }) => {
    const range = rangeParam(query);
    const pageSize = parsePageSize(query.page_size);
    const userId = textParam(query.user_id);
    if (userId !== undefined && userId.length > FIELD_MAX_CHARS.user_id)
      throw badParam('user_id', `must be at most ${FIELD_MAX_CHARS.user_id} characters`);
    const match: StreamMatch = { userId: userId === '' ? undefined : userId, filters: [] };
    const scope = `team-events:${principal.teamId}:${range.startMs}:${range.endMs}:${matchDigest(match)}`;
    const pos = services.pageTokens.open('page_token', query.page_token, scope);
    if (pos !== undefined && !isStreamPosition(pos)) throw badParam('page_token', 'is not a valid page token');
    const page = await listTrackingEvents(
      services.reader,
      { teamId: principal.teamId, range, match, pageSize, after: pos },
      signal,
    );
    return { events: page.events, next_page_token: page.next ? services.pageTokens.seal(scope, page.next) : '' };
  },

  // POST /v1/bots/{bot_id}/events/attributes/{attribute_key}/values
  Analytics_GetEventAttributeValues: async ({ params, body, principal, services, signal }) => {
    const key = params.attribute_key as string;
    if (key === '') throw badParam('attribute_key', 'is required');
    if (key.length > ATTRIBUTE_KEY_MAX_CHARS)
      throw badParam('attribute_key', `must be at most ${ATTRIBUTE_KEY_MAX_CHARS} characters`);
    if (key.startsWith('$') && !isEventFieldKey(key))
      throw badParam(
        'attribute_key',
        `unknown event field "${key}"; $ fields: $channel_type, $language, $campaign_id, $campaign_source, $user_id, $conversation_id`,
      );
    const b = attributeValuesBody(body);
    const attributes = await attributeValues(
      services.reader,
      {
        teamId: principal.teamId,
        botId: params.bot_id as string,
        key,
        query: b.query,
        event: b.event,
        version: b.version,
        nowMs: Date.now(),
      },
      signal,
    );
    return { attributes };
  },
};

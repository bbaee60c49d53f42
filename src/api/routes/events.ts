import { createDefinition, listDefinitions } from '../../analytics/event-definitions.ts';
import { FIELD_MAX_CHARS } from '../../ingest/limits.ts';
import type { Handler } from '../context.ts';
import { badParam } from '../errors.ts';
import { parsePageSize } from '../page-tokens.ts';
import { rangeParam, versionParam } from '../params.ts';
import { streamMatchParams } from '../stream-body.ts';
import { botStreamPage } from './event-streams.ts';
import { assertStorableText } from './well-formed.ts';

/**
 * Longest tracking-event name a definition (or a subscription's event_names filter) takes:
 * the ingest cap, so every name a definition can hold can also arrive in an event.
 */
export const MAX_EVENT_NAME = FIELD_MAX_CHARS.event;

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badParam('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

export const eventHandlers: Record<string, Handler> = {
  Analytics_ListEventDefinitions: async ({ params, query, principal, services }) => {
    const botId = params.bot_id as string;
    const pageSize = parsePageSize(query.page_size);
    const after = services.pageTokens.open('page_token', query.page_token, `defs:${botId}`);
    if (after !== undefined && typeof after !== 'string') throw badParam('page_token', 'is not a valid page token');
    const all = await listDefinitions(services.db, services.reader, principal.teamId, botId);
    // Keyset on the name: definitions created between pages are neither skipped nor repeated.
    const rest = after === undefined ? all : all.filter((d) => d.event > after);
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      event_definitions: page,
      next_page_token: rest.length > pageSize && last ? services.pageTokens.seal(`defs:${botId}`, last.event) : '',
    };
  },

  Analytics_CreateEventDefinition: async ({ params, body, principal, services }) => {
    const b = bodyObject(body);
    assertStorableText(b);
    const event = b.event;
    if (typeof event !== 'string' || event.trim() === '') throw badParam('event', 'is required');
    if (event.length > MAX_EVENT_NAME) throw badParam('event', `must be at most ${MAX_EVENT_NAME} characters`);
    const description = b.description ?? '';
    if (typeof description !== 'string') throw badParam('description', 'must be a string');
    if (description.length > 4096) throw badParam('description', 'must be at most 4096 characters');
    const def = await createDefinition(
      services.db,
      services.reader,
      principal.teamId,
      params.bot_id as string,
      event,
      description,
    );
    return { event_definition: def };
  },

  // GET /v1/bots/{bot_id}/events/stream
  Analytics_ListEvents: async (ctx) => {
    const { query } = ctx;
    const q = {
      version: versionParam(query.version),
      range: rangeParam(query),
      match: streamMatchParams(query),
      pageSize: parsePageSize(query.page_size),
      pageToken: query.page_token,
    };
    return botStreamPage(ctx, q, 'query');
  },
};
